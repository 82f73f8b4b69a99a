from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from brickyard.ingest import Contract, ContractError
from brickyard.ingest.checks import check_formats, plan_scan
from brickyard.ingest.quarantine import CATEGORY_BITS
from brickyard.ingest.sources import OpenedSource

CONTRACT = Contract.from_dict(
    {
        "name": "readings",
        "keys": ["day"],
        "watermark": "day",
        "columns": [
            {"name": "day", "type": "date", "format": "%d/%m/%Y"},
            {"name": "level", "type": "float", "min": 0, "max": 10},
            {"name": "kind", "type": "string", "allowed": ["a", "b"], "nullable": True},
        ],
    }
)


def _run(rows: str, types: dict[str, str], newer_than: Any = None) -> list[dict[str, Any]]:
    opened = OpenedSource(
        label="inline",
        format="sql",
        relation=f"SELECT * FROM (VALUES {rows}) AS t(day, level, kind)",
        types=types,
    )
    with duckdb.connect() as con:
        table: pa.Table = con.sql(plan_scan(opened, CONTRACT, newer_than).scan).to_arrow_table()
    scanned: list[dict[str, Any]] = table.to_pylist()
    return scanned


TEXT = dict.fromkeys(("day", "level", "kind"), "VARCHAR")


def test_valid_text_converts_and_passes() -> None:
    [row] = _run("('31/12/2015', '2.5', 'a')", TEXT)

    assert (row["day"], row["level"], row["kind"]) == (date(2015, 12, 31), 2.5, "a")
    assert row["_fails"] == 0
    assert row["_reason"] is None
    assert row["_raw"] is None
    assert row["_h"] is not None


def test_failing_row_gets_every_reason_its_bits_and_its_text() -> None:
    [row] = _run("('2015-12-31', '11', 'c')", TEXT)

    assert row["_reason"] == (
        "day: '2015-12-31' is not a date in format %d/%m/%Y; "
        "level: 11 is above the maximum 10; "
        "kind: 'c' is not an allowed value (a, b)"
    )
    assert row["_fails"] == (
        CATEGORY_BITS["type"] | CATEGORY_BITS["range"] | CATEGORY_BITS["allowed"]
    )
    assert row["_raw"] == ["2015-12-31", "11", "c"]
    assert row["_h"] is None


def test_nulls_fail_only_non_nullable_columns() -> None:
    [row] = _run("(NULL, 'nan', NULL)", TEXT)

    assert row["_reason"] == (
        "day: missing value (column is not nullable); level: 'nan' is not a float"
    )
    assert row["_fails"] == CATEGORY_BITS["null"] | CATEGORY_BITS["type"]


def test_typed_source_values_are_used_without_text_parsing() -> None:
    types = {"day": "DATE", "level": "INTEGER", "kind": "VARCHAR"}

    [row] = _run("(DATE '2015-12-31', 3, 'b')", types)

    assert (row["day"], row["level"], row["_fails"]) == (date(2015, 12, 31), 3.0, 0)


def test_watermark_marks_older_rows_but_keeps_unreadable_ones() -> None:
    rows = "('01/01/2015', '1', 'a'), ('02/01/2015', '1', 'a'), ('someday', '1', 'a')"

    result = _run(rows, TEXT, newer_than=date(2015, 1, 1))

    assert [row["_skip"] for row in result] == [True, False, False]
    assert "_skip" not in _run(rows, TEXT)[0]


def test_unusable_format_is_a_contract_error() -> None:
    contract = Contract.from_dict(
        {"name": "x", "columns": [{"name": "d", "type": "date", "format": "%Y-%Q"}]}
    )

    with duckdb.connect() as con, pytest.raises(ContractError, match="column 'd': format"):
        check_formats(con, contract)
