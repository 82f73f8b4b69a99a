from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from brickyard.ingest import Contract, ContractError, IngestError, IngestResult, read_source
from brickyard.ingest.samples import SEATTLE_WEATHER_ROWS, seattle_weather_path


def reasons(result: IngestResult) -> dict[int, str]:
    """Rejected rows as line -> reason."""
    rows = result.rejected.select(["_line", "_reason"]).to_pylist()
    return {row["_line"]: row["_reason"] for row in rows}


def assert_reconciled(result: IngestResult) -> None:
    assert result.read_count == result.accepted_count + result.rejected_count


def test_seattle_sample_is_fully_accepted(seattle_contract: Contract) -> None:
    with seattle_weather_path() as path:
        result = read_source(path, seattle_contract)

    assert (result.read_count, result.accepted_count, result.rejected_count) == (1461, 1461, 0)
    assert result.read_count == SEATTLE_WEATHER_ROWS
    assert result.accepted.schema == seattle_contract.arrow_schema()
    assert result.accepted.slice(0, 1).to_pylist() == [
        {
            "date": date(2012, 1, 1),
            "precipitation": 0.0,
            "temp_max": 12.8,
            "temp_min": 5.0,
            "wind": 4.7,
            "weather": "drizzle",
        }
    ]
    assert result.accepted.column("date")[-1].as_py() == date(2015, 12, 31)
    assert result.max_watermark == date(2015, 12, 31)
    assert set(result.reject_counts.values()) == {0}


def test_wrong_types_are_quarantined_with_their_text(
    weather_csv: Callable[[str], Path], seattle_contract: Contract
) -> None:
    path = weather_csv(
        "2012/01/01,0.0,12.8,5.0,4.7,drizzle\n"
        "2012/01/02,0.0,abc,5.0,4.7,rain\n"
        "2012/13/45,0.0,12.8,5.0,4.7,rain\n"
        "2012/01/04,nan,12.8,5.0,inf,rain\n"
    )

    result = read_source(path, seattle_contract)

    assert_reconciled(result)
    assert result.accepted_count == 1
    assert reasons(result) == {
        3: "temp_max: 'abc' is not a float",
        4: "date: '2012/13/45' is not a date in format %Y/%m/%d",
        5: "precipitation: 'nan' is not a float; wind: 'inf' is not a float",
    }
    bad = result.rejected.to_pylist()[0]
    assert bad["temp_max"] == "abc"
    assert bad["date"] == "2012/01/02"
    assert bad["_source"] == str(path)
    assert result.reject_counts["type"] == 3


def test_out_of_range_values(
    weather_csv: Callable[[str], Path], seattle_contract: Contract
) -> None:
    path = weather_csv("2012/01/01,0.0,12.8,5.0,-3.0,rain\n2012/01/02,500.1,61,5.0,1,rain\n")

    result = read_source(path, seattle_contract)

    assert reasons(result) == {
        2: "wind: -3.0 is below the minimum 0",
        3: "precipitation: 500.1 is above the maximum 500; temp_max: 61 is above the maximum 60",
    }
    assert result.reject_counts["range"] == 2
    assert_reconciled(result)


def test_allowed_set_violation(
    weather_csv: Callable[[str], Path], seattle_contract: Contract
) -> None:
    path = weather_csv("2012/01/01,0.0,12.8,5.0,4.7,hail\n2012/01/02,0.0,12.8,5.0,4.7,Rain\n")

    result = read_source(path, seattle_contract)

    allowed = "is not an allowed value (drizzle, rain, sun, snow, fog)"
    assert reasons(result) == {2: f"weather: 'hail' {allowed}", 3: f"weather: 'Rain' {allowed}"}
    assert result.reject_counts == {
        "type": 0,
        "null": 0,
        "range": 0,
        "allowed": 2,
        "duplicate_key": 0,
        "malformed": 0,
    }


def test_missing_values_in_non_nullable_columns(
    weather_csv: Callable[[str], Path], seattle_contract: Contract
) -> None:
    path = weather_csv("2012/01/01,,12.8,5.0,4.7,\n")

    result = read_source(path, seattle_contract)

    assert reasons(result) == {
        2: "precipitation: missing value (column is not nullable); "
        "weather: missing value (column is not nullable)"
    }
    assert result.reject_counts["null"] == 1


def test_nullable_column_accepts_missing_values(
    weather_csv: Callable[[str], Path], seattle_contract: Contract
) -> None:
    columns = [
        column.model_copy(update={"nullable": True}) if column.name == "wind" else column
        for column in seattle_contract.columns
    ]
    contract = seattle_contract.model_copy(update={"columns": tuple(columns)})

    result = read_source(weather_csv("2012/01/01,0.0,12.8,5.0,,rain\n"), contract)

    assert result.accepted_count == 1
    assert result.accepted.column("wind").to_pylist() == [None]


def test_duplicate_keys_keep_the_first_row(
    weather_csv: Callable[[str], Path], seattle_contract: Contract
) -> None:
    path = weather_csv(
        "2012/01/01,0.0,12.8,5.0,4.7,drizzle\n"
        "2012/01/02,0.0,12.8,5.0,4.7,rain\n"
        "2012/01/01,1.50,11.0,4.0,3.0,sun\n"
        "2012/01/01,2.0,11.0,4.0,3.0,fog\n"
    )

    result = read_source(path, seattle_contract)

    assert_reconciled(result)
    assert result.accepted.column("precipitation").to_pylist() == [0.0, 0.0]
    first = "duplicate key date='2012/01/01' (first occurrence at line 2)"
    assert reasons(result) == {4: first, 5: first}
    moved = result.rejected.to_pylist()[0]
    assert (moved["precipitation"], moved["weather"]) == ("1.50", "sun")
    assert result.reject_counts["duplicate_key"] == 2


@pytest.mark.parametrize(
    "lines_before",
    [
        "2012/01/02,0.0,12.8,5.0,4.7,rain\n\n",
        '2012/01/02,0.0,12.8,5.0,4.7,"sun\nny"\n',
    ],
    ids=["blank line", "value spanning lines"],
)
def test_duplicates_keep_original_text_when_lines_are_irregular(
    weather_csv: Callable[[str], Path], seattle_contract: Contract, lines_before: str
) -> None:
    path = weather_csv(
        "2012/01/01,0.0,12.8,5.0,4.7,drizzle\n"
        + lines_before
        + "2012/01/03,0.0,12.8,5.0,4.7,rain\n"
        "2012/01/01,1.50,11.0,4.0,3.0,sun\n"
    )

    result = read_source(path, seattle_contract)

    duplicate = result.rejected.filter(pc.equal(result.rejected.column("weather"), "sun"))
    assert duplicate.select(["date", "precipitation", "temp_max"]).to_pylist() == [
        {"date": "2012/01/01", "precipitation": "1.50", "temp_max": "11.0"}
    ]
    assert duplicate.column("_reason").to_pylist() == [
        "duplicate key date='2012/01/01' (first occurrence at line 2)"
    ]
    assert_reconciled(result)


def test_duplicates_compare_typed_keys_and_add_to_other_reasons(
    write_file: Callable[[str, str | bytes], Path],
) -> None:
    contract = Contract.from_dict(
        {
            "name": "readings",
            "keys": ["id"],
            "columns": [
                {"name": "id", "type": "integer"},
                {"name": "value", "type": "float"},
                {"name": "kind", "type": "string", "allowed": ["a", "b"]},
            ],
        }
    )
    path = write_file("readings.csv", "id,value,kind\n5,abc,a\n+5,1.0,c\n005,2.0,a\n")

    result = read_source(path, contract)

    assert result.accepted_count == 0
    assert reasons(result) == {
        2: "value: 'abc' is not a float",
        3: "kind: 'c' is not an allowed value (a, b); "
        "duplicate key id='+5' (first occurrence at line 2)",
        4: "duplicate key id='005' (first occurrence at line 2)",
    }
    assert result.reject_counts["duplicate_key"] == 2
    assert result.reject_counts["allowed"] == 1
    assert_reconciled(result)


def test_composite_keys_need_every_part_equal(
    write_file: Callable[[str, str | bytes], Path], synthetic_contract: Contract
) -> None:
    path = write_file(
        "stations.csv",
        "station,date,precipitation,temp_max,temp_min,wind,weather\n"
        "A,2012/01/01,0,10,5,1,sun\n"
        "B,2012/01/01,0,10,5,1,sun\n"
        "A,2012/01/02,0,10,5,1,sun\n"
        "B,2012/01/01,0,10,5,1,rain\n",
    )

    result = read_source(path, synthetic_contract)

    assert result.accepted_count == 3
    assert reasons(result) == {
        5: "duplicate key station='B', date='2012/01/01' (first occurrence at line 3)"
    }


def test_ragged_rows_are_malformed_and_later_lines_stay_right(
    weather_csv: Callable[[str], Path], seattle_contract: Contract
) -> None:
    path = weather_csv(
        "2012/01/01,0.0,12.8,5.0,4.7,drizzle\n"
        "2012/01/02,0.0\n"
        "2012/01/03,0.0,12.8,5.0,4.7,rain,extra\n"
        "2012/01/04,0.0,12.8,5.0,-1,rain\n"
        "2012/01/01,0.0,12.8,5.0,4.7,rain\n"
    )

    result = read_source(path, seattle_contract)

    assert_reconciled(result)
    assert (result.read_count, result.accepted_count) == (5, 1)
    found = reasons(result)
    assert found[3].startswith("malformed line (Expected Number of Columns: 6 Found: 2)")
    assert found[3].endswith(": '2012/01/02,0.0'")
    assert found[4].startswith("malformed line (Expected Number of Columns: 6 Found: 7)")
    assert found[5] == "wind: -1 is below the minimum 0"
    assert found[6] == "duplicate key date='2012/01/01' (first occurrence at line 2)"
    assert result.reject_counts["malformed"] == 2
    malformed = result.rejected.filter(pc.equal(result.rejected.column("_line"), 3))
    assert malformed.column("date").to_pylist() == [None]


def test_invalid_utf8_bytes_quarantine_only_their_line(
    write_file: Callable[[str, str | bytes], Path], seattle_contract: Contract
) -> None:
    path = write_file(
        "latin1.csv",
        b"date,precipitation,temp_max,temp_min,wind,weather\n"
        b"2012/01/01,0.0,12.8,5.0,4.7,drizzle\n"
        b"2012/01/02,0.0,12.8,5.0,4.7,pluie \xe9t\xe9\n"
        b"2012/01/03,0.0,12.8,5.0,4.7,sun\n",
    )

    result = read_source(path, seattle_contract)

    assert_reconciled(result)
    assert result.accepted_count == 2
    assert list(reasons(result)) == [3]
    assert "not utf-8 encoded" in reasons(result)[3]
    assert result.reject_counts["malformed"] == 1


def test_accepted_rows_keep_file_order(
    weather_csv: Callable[[str], Path], seattle_contract: Contract
) -> None:
    days = [f"2013/{month:02d}/{day:02d}" for month in (3, 1, 2) for day in (9, 1, 5)]
    path = weather_csv("".join(f"{day},0,10,5,1,sun\n" for day in days))

    result = read_source(path, seattle_contract)

    assert [d.strftime("%Y/%m/%d") for d in result.accepted.column("date").to_pylist()] == days


def test_json_lines_source(
    write_file: Callable[[str, str | bytes], Path], seattle_contract: Contract
) -> None:
    records: list[dict[str, Any]] = [
        {
            "date": "2012/01/01",
            "precipitation": 0,
            "temp_max": 12.8,
            "temp_min": 5,
            "wind": 4.7,
            "weather": "drizzle",
        },
        {
            "date": "2012/01/02",
            "precipitation": "abc",
            "temp_max": 10.6,
            "temp_min": 2.8,
            "wind": 4.5,
            "weather": "rain",
        },
        {
            "date": "2012/01/03",
            "precipitation": "1.5",
            "temp_max": 11.7,
            "temp_min": None,
            "wind": 2.3,
            "weather": "rain",
        },
    ]
    path = write_file("weather.ndjson", "".join(json.dumps(r) + "\n" for r in records))

    result = read_source(path, seattle_contract)

    assert result.format == "jsonl"
    assert result.accepted.column("precipitation").to_pylist() == [0.0]
    assert reasons(result) == {
        2: "precipitation: 'abc' is not a float",
        3: "temp_min: missing value (column is not nullable)",
    }
    assert_reconciled(result)


def test_sql_source_uses_typed_columns_and_row_numbers(seattle_contract: Contract) -> None:
    query = """
        SELECT DATE '2012-01-01' + i::INTEGER AS date, i * 0.5 AS precipitation,
               10 AS temp_max, 5.0 AS temp_min,
               CASE WHEN i = 2 THEN 'nan'::DOUBLE ELSE 1.0 END AS wind, 'sun' AS weather
        FROM range(4) AS t(i)
    """

    result = read_source(query, seattle_contract)

    assert result.format == "sql"
    assert result.accepted.column("date").to_pylist() == [
        date(2012, 1, 1),
        date(2012, 1, 2),
        date(2012, 1, 4),
    ]
    assert result.accepted.column("temp_max").type == pa.float64()
    assert reasons(result) == {3: "wind: 'nan' is not a float"}
    assert result.rejected.column("_source")[0].as_py() == query.strip()


def test_sql_source_over_a_csv_file(seattle_contract: Contract) -> None:
    with seattle_weather_path() as path:
        result = read_source(
            f"SELECT * FROM read_csv('{path}', all_varchar = true) WHERE weather = 'snow'",
            seattle_contract,
        )

    assert result.accepted_count == result.read_count > 0
    assert set(result.accepted.column("weather").to_pylist()) == {"snow"}


def test_parquet_source_checks_conversions_are_lossless(
    tmp_path: Path, seattle_contract: Contract
) -> None:
    contract = seattle_contract.model_copy(
        update={
            "columns": tuple(
                column.model_copy(update={"type": "integer"}) if column.name == "wind" else column
                for column in seattle_contract.columns
            )
        }
    )
    path = tmp_path / "typed.parquet"
    pq.write_table(
        pa.table(
            {
                "date": pa.array([date(2012, 1, 1), date(2012, 1, 2), date(2012, 1, 3)]),
                "precipitation": [0.0, 1.0, 2.0],
                "temp_max": pa.array([10, 11, 12], pa.int32()),
                "temp_min": [1.0, float("nan"), 2.0],
                "wind": [3.0, 4.0, 4.5],
                "weather": ["sun", "rain", "fog"],
            }
        ),
        path,
    )

    result = read_source(path, contract)

    assert result.accepted.column("wind").to_pylist() == [3]
    assert result.accepted.column("temp_max").to_pylist() == [10.0]
    assert reasons(result) == {
        2: "temp_min: 'nan' is not a float",
        3: "wind: '4.5' is not an integer",
    }


def test_integer_boolean_and_timestamp_columns(
    write_file: Callable[[str, str | bytes], Path],
) -> None:
    contract = Contract.from_dict(
        {
            "name": "events",
            "columns": [
                {"name": "n", "type": "integer", "min": 0},
                {"name": "ok", "type": "boolean"},
                {"name": "at", "type": "timestamp", "format": "%d.%m.%Y %H:%M"},
                {"name": "code", "type": "integer", "allowed": [1, 2]},
            ],
        }
    )
    path = write_file(
        "events.csv",
        "n,ok,at,code\n"
        "12,true,31.12.2015 23:59,1\n"
        "1.5,maybe,2015-12-31,2\n"
        "-4,false,01.01.2016 00:00,3\n",
    )

    result = read_source(path, contract)

    assert result.accepted.to_pylist() == [
        {"n": 12, "ok": True, "at": datetime(2015, 12, 31, 23, 59), "code": 1}
    ]
    assert reasons(result) == {
        3: "n: '1.5' is not an integer; ok: 'maybe' is not a boolean (true, false, 1 or 0); "
        "at: '2015-12-31' is not a timestamp in format %d.%m.%Y %H:%M",
        4: "n: -4 is below the minimum 0; code: '3' is not an allowed value (1, 2)",
    }


def test_invalid_strptime_format_is_a_contract_error(
    weather_csv: Callable[[str], Path], seattle_contract: Contract
) -> None:
    columns = tuple(
        column.model_copy(update={"format": "%Y/%Q"}) if column.name == "date" else column
        for column in seattle_contract.columns
    )
    contract = seattle_contract.model_copy(update={"columns": columns})

    with pytest.raises(ContractError, match="'%Y/%Q' is not a valid strptime format"):
        read_source(weather_csv("2012/01/01,0.0,12.8,5.0,4.7,drizzle\n"), contract)


def test_corrupt_parquet_pages_fail_the_file(tmp_path: Path, seattle_contract: Contract) -> None:
    path = tmp_path / "corrupt.parquet"
    with seattle_weather_path() as csv_path:
        table = pacsv.read_csv(csv_path)
    pq.write_table(table, path, compression="snappy")
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle : middle + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))

    with pytest.raises(IngestError, match=r"corrupt\.parquet"):
        read_source(path, seattle_contract)
