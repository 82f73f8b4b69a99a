import datetime as dt

import pyarrow as pa

from brickyard.models import table_fingerprint

COLUMNS = ["station", "date", "x", "n"]


def table() -> pa.Table:
    return pa.table(
        {
            "station": ["a", "a", "b"],
            "date": pa.array([dt.date(2020, 1, d) for d in (1, 2, 1)], pa.date32()),
            "x": pa.array([1.5, None, float("nan")]),
            "n": pa.array([1, 2, None], pa.int64()),
        }
    )


def test_fingerprint_is_a_stable_sha256_of_content() -> None:
    first = table_fingerprint(table(), COLUMNS)
    assert len(first) == 64
    assert table_fingerprint(table(), COLUMNS) == first


def test_fingerprint_ignores_chunking_and_unused_columns() -> None:
    original = table()
    rechunked = pa.concat_tables([original.slice(0, 1), original.slice(1)])
    assert rechunked["x"].num_chunks == 2
    widened = original.append_column("unused", pa.array([7, 8, 9]))
    assert table_fingerprint(rechunked, COLUMNS) == table_fingerprint(original, COLUMNS)
    assert table_fingerprint(widened, COLUMNS) == table_fingerprint(original, COLUMNS)


def test_fingerprint_changes_with_any_value_null_or_column_order() -> None:
    original = table()
    base = table_fingerprint(original, COLUMNS)
    changed_value = original.set_column(2, "x", pa.array([1.25, None, float("nan")]))
    nulled = original.set_column(3, "n", pa.array([1, None, None], pa.int64()))
    renamed_station = original.set_column(0, "station", pa.array(["a", "a", "c"]))
    later = original.set_column(
        1, "date", pa.array([dt.date(2020, 1, d) for d in (1, 2, 2)], pa.date32())
    )
    for variant in (changed_value, nulled, renamed_station, later):
        assert table_fingerprint(variant, COLUMNS) != base
    assert table_fingerprint(original, list(reversed(COLUMNS))) != base
