from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from brickyard.ingest.duplicates import drop_rows, later_duplicates
from brickyard.ingest.scanning import Scanned

Row = tuple[int, int | None, str]


def _scanned(accepted: list[Row], rejected: list[Row]) -> Scanned:
    """Rows as (_ord, _h, key); the hash is given so that collisions can be staged."""

    def table(rows: list[Row]) -> pa.Table:
        return pa.table(
            {
                "_ord": pa.array([row[0] for row in rows], pa.int64()),
                "_h": pa.array([row[1] for row in rows], pa.uint32()),
                "station": pa.array([row[2] for row in rows], pa.string()),
            }
        )

    accepted_table = table(accepted)
    return Scanned(
        accepted=accepted_table.to_batches(),
        accepted_schema=accepted_table.schema,
        rejected=table(rejected),
        row_count=len(accepted) + len(rejected),
    )


def test_later_rows_of_a_key_point_to_the_first() -> None:
    scanned = _scanned([(1, 7, "A"), (3, 9, "B"), (4, 7, "A")], [(2, 7, "A"), (5, None, "A")])

    with duckdb.connect() as con:
        later = later_duplicates(con, scanned, ["station"])

    assert sorted(later.to_pylist(), key=lambda row: row["_ord"]) == [
        {"_ord": 2, "_first": 1},
        {"_ord": 4, "_first": 1},
    ]


def test_equal_hashes_of_different_keys_are_not_duplicates() -> None:
    scanned = _scanned([(1, 7, "A"), (2, 7, "B"), (3, 8, "C")], [])

    with duckdb.connect() as con:
        assert later_duplicates(con, scanned, ["station"]).num_rows == 0


def test_drop_rows_copies_only_the_batches_it_changes() -> None:
    table = pa.table({"_ord": pa.array(range(1, 11), pa.int64()), "v": list(range(10))})
    batches = table.to_batches(max_chunksize=4)
    untouched = batches[0]

    dropped = drop_rows(batches, np.array([6, 9]), table.schema)

    assert dropped.column("_ord").to_pylist() == [6, 9]
    assert batches[0] is untouched
    assert pa.Table.from_batches(batches).column("_ord").to_pylist() == [1, 2, 3, 4, 5, 7, 8, 10]


def test_drop_rows_before_the_first_accepted_row_drops_nothing() -> None:
    # Found by the property tests: a repeated key whose rows were all rejected before the
    # first accepted row.
    table = pa.table({"_ord": pa.array([4, 5], pa.int64()), "v": [1, 2]})
    batches = table.to_batches()

    dropped = drop_rows(batches, np.array([2]), table.schema)

    assert dropped.num_rows == 0
    assert pa.Table.from_batches(batches).column("_ord").to_pylist() == [4, 5]
