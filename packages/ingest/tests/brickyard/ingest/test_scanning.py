from __future__ import annotations

import duckdb
import pyarrow as pa

from brickyard.ingest import Contract
from brickyard.ingest.checks import plan_scan
from brickyard.ingest.scanning import numbered, scan
from brickyard.ingest.sources import OpenedSource

CONTRACT = Contract.from_dict(
    {
        "name": "counts",
        "keys": ["n"],
        "watermark": "n",
        "columns": [{"name": "n", "type": "integer", "max": 299_990}],
    }
)


def _opened(rows: int) -> OpenedSource:
    return OpenedSource(
        label="range",
        format="sql",
        relation=f"SELECT range::VARCHAR AS n FROM range({rows})",
        types={"n": "VARCHAR"},
    )


def test_positions_count_rows_across_batches() -> None:
    with duckdb.connect() as con:
        schema, batches = numbered(con, "SELECT range AS value FROM range(300000)")
        table = pa.Table.from_batches(list(batches), schema)

    assert table.num_rows == 300_000
    assert table.column("_ord").to_pylist() == [v + 1 for v in table.column("value").to_pylist()]


def test_rows_are_split_into_typed_accepted_and_textual_rejected() -> None:
    with duckdb.connect() as con:
        scanned = scan(con, _opened(300_000), plan_scan(_opened(300_000), CONTRACT), CONTRACT)

    accepted = scanned.accepted_table()
    assert scanned.row_count == 300_000
    assert accepted.num_rows == 299_991
    assert accepted.column("n").type == pa.int64()
    assert accepted.column("_ord").to_pylist()[:3] == [1, 2, 3]
    assert scanned.rejected.column("_r0").to_pylist() == [str(n) for n in range(299_991, 300_000)]
    assert scanned.rejected.column("_ord").to_pylist() == list(range(299_992, 300_001))
    assert set(scanned.rejected.column("_reason").to_pylist()) == {
        f"n: {n} is above the maximum 299990" for n in range(299_991, 300_000)
    }


def test_skipped_rows_are_neither_kept_nor_counted() -> None:
    opened = _opened(10)
    with duckdb.connect() as con:
        scanned = scan(con, opened, plan_scan(opened, CONTRACT, newer_than=6), CONTRACT)

    assert scanned.row_count == 3
    assert scanned.accepted_table().column("n").to_pylist() == [7, 8, 9]
    assert scanned.accepted_table().column("_ord").to_pylist() == [8, 9, 10]
    assert scanned.rejected.num_rows == 0


def test_an_empty_source_gives_empty_typed_tables() -> None:
    opened = _opened(0)
    with duckdb.connect() as con:
        scanned = scan(con, opened, plan_scan(opened, CONTRACT), CONTRACT)

    assert scanned.row_count == 0
    assert scanned.accepted_table().schema.field("n").type == pa.int64()
    assert scanned.rejected.column_names[:4] == ["_ord", "_h", "_fails", "_reason"]
    assert scanned.rejected.schema.field("_r0").type == pa.string()
