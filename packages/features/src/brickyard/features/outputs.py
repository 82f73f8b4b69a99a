"""Writing a feature table to Parquet a batch at a time, atomically.

The batches of `compute_features` are appended to a temporary file next to the target as
they are computed, so the whole feature table never sits in memory. The file is fsynced and
moved into place with ``os.replace`` only once every batch is written; a failure removes the
temporary file and leaves any previous output exactly as it was.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from brickyard.features.computation import DEFAULT_BATCH_ROWS, feature_batches
from brickyard.features.definitions import FeatureSet
from brickyard.features.engines import FeatureEngine

__all__ = ["write_features"]


def write_features(
    table: pa.Table,
    feature_set: FeatureSet,
    path: str | os.PathLike[str],
    *,
    engine: FeatureEngine | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Path:
    """Compute `feature_set` on `table` and write the result to the Parquet file `path`.

    The file holds exactly what `compute_features` returns (same columns, types and row
    order), while only one range of about `batch_rows` rows is in memory at a time. The
    parent directory is created if needed. Returns the path written.
    """
    target = Path(path)
    batches = feature_batches(
        table, feature_set, engine=engine, connection=connection, batch_rows=batch_rows
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(descriptor)
    temporary = Path(name)
    writer: pq.ParquetWriter | None = None
    try:
        # Each batch is written on a second thread while the engine computes the next one.
        with closing(batches), ThreadPoolExecutor(max_workers=1) as pool:
            first = next(batches)  # there is always one, empty for an empty input
            writer = pq.ParquetWriter(temporary, first.schema)
            written = pool.submit(writer.write_table, first)
            for batch in batches:
                written.result()
                written = pool.submit(writer.write_table, batch)
            written.result()
        writer.close()
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        if writer is not None:
            writer.close()
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)
    return target


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
