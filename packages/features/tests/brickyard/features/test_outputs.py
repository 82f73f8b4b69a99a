import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from brickyard.features import (
    FeatureComputationError,
    compute_features,
    feature_set_from_dict,
    write_features,
)

FEATURES = feature_set_from_dict(
    {
        "time_column": "date",
        "target": "temp_max",
        "entity_column": "station",
        "features": [
            {"kind": "lag", "column": "temp_max", "days": 1},
            {"kind": "lag", "column": "temp_max", "days": 20},
            {"kind": "rolling", "column": "temp_max", "window_days": 3, "agg": "mean"},
            {"kind": "rolling", "column": "wind", "window_days": 10, "agg": "max"},
            {"kind": "rolling", "column": "wind", "window_days": 5, "agg": "std"},
            {"kind": "expanding", "column": "temp_max", "agg": "sum"},
            {"kind": "calendar", "part": "day_of_week"},
        ],
    }
)


def stations(names: tuple[str, ...] = ("c", "a", "b"), days: int = 40) -> pa.Table:
    """About 32 days per station with random gaps and NULLs, rows shuffled."""
    rng = np.random.default_rng(3)
    station, date, temp_max, wind = [], [], [], []
    for name in names:
        kept = np.sort(rng.choice(days, size=int(days * 0.8), replace=False))
        station += [name] * len(kept)
        date += [dt.date(2024, 2, 1) + dt.timedelta(days=int(day)) for day in kept]
        temp_max += list(rng.normal(10, 4, len(kept)))
        wind += [None if rng.random() < 0.1 else float(rng.uniform(0, 9)) for _ in kept]
    order = rng.permutation(len(station))
    return pa.table(
        {
            "station": pa.array(station).take(order),
            "date": pa.array(date, pa.date32()).take(order),
            "temp_max": pa.array(temp_max).take(order),
            "wind": pa.array(wind, pa.float64()).take(order),
        }
    )


def test_the_file_holds_what_compute_features_returns(tmp_path: Path) -> None:
    table = stations()
    target = tmp_path / "out" / "features.parquet"

    # About 32 rows per station: batches of 25 rows hold one station each.
    written = write_features(table, FEATURES, target, batch_rows=25)

    assert written == target
    assert pq.read_table(target).equals(compute_features(table, FEATURES))
    assert pq.ParquetFile(target).metadata.num_row_groups == 3


def test_the_same_input_gives_the_same_bytes(tmp_path: Path) -> None:
    write_features(stations(), FEATURES, tmp_path / "first.parquet", batch_rows=25)
    write_features(stations(), FEATURES, tmp_path / "second.parquet", batch_rows=25)

    assert (tmp_path / "first.parquet").read_bytes() == (tmp_path / "second.parquet").read_bytes()


def test_a_failure_after_some_batches_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "features.parquet"
    write_features(stations(), FEATURES, target)
    previous = target.read_bytes()
    table = stations()
    # A repeated row of station "c", whose batch comes last, after "a" and "b" are written.
    repeated = table.filter(pc.equal(table["station"], "c")).slice(0, 1)

    with pytest.raises(FeatureComputationError, match="entity 'c'"):
        write_features(pa.concat_tables([table, repeated]), FEATURES, target, batch_rows=25)

    assert target.read_bytes() == previous
    assert [path.name for path in tmp_path.iterdir()] == ["features.parquet"]


def test_unsuitable_input_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(FeatureComputationError, match="column 'wind'"):
        write_features(stations().drop_columns(["wind"]), FEATURES, tmp_path / "f.parquet")

    assert list(tmp_path.iterdir()) == []


def test_an_empty_input_gives_a_readable_empty_file(tmp_path: Path) -> None:
    target = write_features(stations().slice(0, 0), FEATURES, tmp_path / "f.parquet")

    empty = pq.read_table(target)
    assert empty.num_rows == 0
    assert empty.column_names == ["station", "date", "temp_max", *FEATURES.feature_names]
