from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from brickyard.ingest import Contract, ContractError, load_contract


def _contract(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "readings",
        "columns": [
            {"name": "id", "type": "integer"},
            {"name": "value", "type": "float", "min": 0, "max": 10},
        ],
    }
    data.update(overrides)
    return data


def test_seattle_contract_file_declares_the_sample_columns(contracts_dir: Path) -> None:
    contract = load_contract(contracts_dir / "seattle_weather.toml")

    assert contract.name == "seattle_weather"
    assert contract.column_names == (
        "date",
        "precipitation",
        "temp_max",
        "temp_min",
        "wind",
        "weather",
    )
    assert contract.keys == ("date",)
    assert contract.watermark == "date"
    assert contract.column("date").format == "%Y/%m/%d"
    assert (contract.column("temp_max").min, contract.column("temp_max").max) == (-50, 60)
    assert contract.column("weather").allowed == ("drizzle", "rain", "sun", "snow", "fog")
    assert not any(column.nullable for column in contract.columns)


def test_synthetic_contract_adds_station_as_leading_key(contracts_dir: Path) -> None:
    seattle = load_contract(contracts_dir / "seattle_weather.toml")
    synthetic = load_contract(contracts_dir / "synthetic_weather.toml")

    assert synthetic.column_names == ("station", *seattle.column_names)
    assert synthetic.keys == ("station", "date")
    assert synthetic.columns[1:] == seattle.columns


def test_defaults_are_not_nullable_and_reject_extra_columns() -> None:
    contract = Contract.from_dict(_contract())

    assert contract.extra_columns == "reject"
    assert contract.keys == ()
    assert contract.watermark is None
    assert not contract.column("id").nullable


def test_arrow_schema_follows_contract_types_order_and_nullability() -> None:
    contract = Contract.from_dict(
        _contract(
            columns=[
                {"name": "s", "type": "string", "nullable": True},
                {"name": "i", "type": "integer"},
                {"name": "f", "type": "float"},
                {"name": "b", "type": "boolean"},
                {"name": "d", "type": "date"},
                {"name": "t", "type": "timestamp"},
            ]
        )
    )

    assert contract.arrow_schema() == pa.schema(
        [
            pa.field("s", pa.string(), True),
            pa.field("i", pa.int64(), False),
            pa.field("f", pa.float64(), False),
            pa.field("b", pa.bool_(), False),
            pa.field("d", pa.date32(), False),
            pa.field("t", pa.timestamp("us"), False),
        ]
    )


def test_unknown_key_names_file_column_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "w"\n[[columns]]\nname = "a"\ntype = "float"\n'
        '[[columns]]\nname = "wind"\ntype = "float"\ncolour = "blue"\n'
    )

    with pytest.raises(ContractError) as caught:
        load_contract(path)

    message = str(caught.value)
    assert str(path) in message
    assert "columns[1] (wind).colour: unknown key" in message


def test_unknown_top_level_key_is_rejected() -> None:
    with pytest.raises(ContractError, match="primary_key: unknown key"):
        Contract.from_dict(_contract(primary_key=["id"]), source="inline.toml")


def test_bad_type_names_the_value() -> None:
    data = _contract(columns=[{"name": "x", "type": "flaot"}])

    with pytest.raises(ContractError, match=r"columns\[0\] \(x\)\.type: .*'flaot'"):
        Contract.from_dict(data, source="inline.toml")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"keys": ["id", "nope"]}, "keys name columns that are not declared: nope"),
        ({"watermark": "nope"}, "watermark column 'nope' is not declared"),
        ({"extra_columns": "keep"}, "extra_columns"),
        ({"columns": []}, "columns"),
        ({"name": "bad name"}, "name"),
        (
            {"columns": [{"name": "a", "type": "float"}, {"name": "a", "type": "float"}]},
            "declared more than once: a",
        ),
        (
            {"columns": [{"name": "_line", "type": "string"}]},
            "reserved",
        ),
        (
            {"columns": [{"name": "x", "type": "float", "nullable": True}], "watermark": "x"},
            "watermark column 'x' is nullable",
        ),
    ],
)
def test_invalid_contract_level_values(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ContractError, match=message):
        Contract.from_dict(_contract(**overrides), source="inline.toml")


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ({"name": "x", "type": "float", "format": "%Y"}, "format is only for date"),
        ({"name": "x", "type": "date", "format": "Y-m-d"}, "no strptime directive"),
        ({"name": "x", "type": "float", "min": 5, "max": 1}, "min = 5 is greater than max = 1"),
        ({"name": "x", "type": "float", "min": date(2020, 1, 1)}, "does not fit a float"),
        ({"name": "x", "type": "date", "max": 3}, "does not fit a date"),
        ({"name": "x", "type": "float", "min": "0"}, "must be a number"),
        ({"name": "x", "type": "string", "allowed": ["a", 1]}, r"allowed values \[1\]"),
        ({"name": "x", "type": "string", "allowed": []}, "at least one value"),
        ({"name": "x", "type": "integer", "allowed": [1, 1]}, "more than once"),
        ({"name": "x", "type": "date", "allowed": ["2020-01-01"]}, "not supported"),
    ],
)
def test_invalid_column_rules(column: dict[str, Any], message: str) -> None:
    with pytest.raises(ContractError, match=message):
        Contract.from_dict(_contract(columns=[column]), source="inline.toml")


def test_date_bounds_from_toml_dates(tmp_path: Path) -> None:
    path = tmp_path / "dated.toml"
    path.write_text(
        'name = "d"\n[[columns]]\nname = "day"\ntype = "date"\n'
        "min = 2012-01-01\nmax = 2015-12-31\n"
    )

    column = load_contract(path).column("day")

    assert (column.min, column.max) == (date(2012, 1, 1), date(2015, 12, 31))


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\n[[columns]\n')

    with pytest.raises(ContractError, match=r"broken\.toml: not valid TOML"):
        load_contract(path)


def test_missing_contract_file(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="contract file not found"):
        load_contract(tmp_path / "absent.toml")


def test_a_contract_path_that_cannot_be_read_or_decoded_is_a_contract_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "latin1.toml").write_bytes(b'name = "m\xe9t\xe9o"\n')

    with pytest.raises(ContractError, match=r"folder\.toml: cannot read the contract file"):
        load_contract(tmp_path / "folder.toml")
    with pytest.raises(ContractError, match=r"latin1\.toml: not valid TOML"):
        load_contract(tmp_path / "latin1.toml")


def test_unknown_column_lookup_raises_key_error() -> None:
    with pytest.raises(KeyError, match="no column 'nope'"):
        Contract.from_dict(_contract()).column("nope")
