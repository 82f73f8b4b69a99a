"""Writing a feature table to Parquet a batch at a time, atomically.

The batches of `compute_features` are appended to a temporary file next to the target as
they are computed, so the whole feature table never sits in memory. The file replaces the
target (``brickyard.core.write_file``: fsynced, mode 0644) only once every batch is written;
a failure removes the temporary file and leaves any previous output exactly as it was.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from brickyard.core import write_file
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
    batches = feature_batches(
        table, feature_set, engine=engine, connection=connection, batch_rows=batch_rows
    )

    def write(temporary: Path) -> None:
        # Each batch is written on a second thread while the engine computes the next one.
        with closing(batches), ThreadPoolExecutor(max_workers=1) as pool:
            first = next(batches)  # there is always one, empty for an empty input
            with pq.ParquetWriter(temporary, first.schema) as writer:
                written = pool.submit(writer.write_table, first)
                for batch in batches:
                    written.result()
                    written = pool.submit(writer.write_table, batch)
                written.result()

    return write_file(path, write)
