"""The Spark engine: the same feature expressions, run by Spark SQL.

pyspark is not a requirement of brickyard-features: a Spark cluster comes with its own,
and the default DuckDB engine needs neither pyspark nor Java. Install pyspark (4.0) where
this module is used; the jobs' `*-spark` executables bundle it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brickyard.features.definitions import RESERVED_PREFIX
from brickyard.features.engines import FeatureEngine, RowRange, RunSql, nullable
from brickyard.features.errors import FeatureComputationError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession  # pants: no-infer-dep

__all__ = ["SparkEngine", "spark_session"]

_ROW = f"{RESERVED_PREFIX}row"


class SparkEngine(FeatureEngine):
    """Spark, through an existing `SparkSession` (see `spark_session` to make one).

    The input is sent to Spark as Arrow and the result collected back as Arrow, so it
    must fit in the driver's memory; the computation itself is distributed.
    """

    name = "spark"
    dialect = "pyspark"
    computes_in_ranges = False

    def __init__(self, session: SparkSession) -> None:
        self.session = session

    def compile(self, expression: ir.Table) -> str:
        # Loading Ibis' PySpark backend registers the options its SQL compiler reads.
        _ = ibis.pyspark
        return super().compile(expression)

    def map_batches(
        self, table: pa.Table, function: Callable[[pa.Table], pa.Table], schema: pa.Schema
    ) -> pa.Table:
        from pyspark.sql.pandas.types import from_arrow_schema  # pants: no-infer-dep

        # Each batch carries its rows' positions, so the result can be put back in order
        # however Spark partitions and collects it.
        numbered = table.append_column(_ROW, pa.array(np.arange(table.num_rows)))
        numbered = numbered.cast(nullable(numbered.schema))
        output = pa.schema([*schema, pa.field(_ROW, pa.int64())])

        def apply(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                part = pa.Table.from_batches([batch])
                result = function(part.drop_columns([_ROW])).select(schema.names)
                yield from result.append_column(_ROW, part[_ROW]).cast(output).to_batches()

        frame = self.session.createDataFrame(numbered).mapInArrow(apply, from_arrow_schema(output))
        result = frame.toArrow().cast(output)
        return result.take(pc.sort_indices(result[_ROW])).drop_columns([_ROW])

    @contextlib.contextmanager
    def loaded(self, table: pa.Table, name: str) -> Iterator[RunSql]:
        from pyspark.sql import functions  # pants: no-infer-dep

        everything = self.session.createDataFrame(table)

        def run(sql: str, rows: RowRange | None) -> pa.Table:
            frame = everything
            if rows is not None:
                frame = frame.filter(functions.col(rows[0]).between(rows[1], rows[2]))
            frame.createOrReplaceTempView(name)
            return self.session.sql(sql).toArrow()

        try:
            yield run
        finally:
            self.session.catalog.dropTempView(name)


def spark_session(
    master: str = "local[*]",
    *,
    app_name: str = "brickyard",
    config: Mapping[str, str] | None = None,
) -> SparkSession:
    """A SparkSession on `master` ("local[N]" here, e.g. "spark://host:7077" on a cluster).

    Reuses the active session if there is one. Dates are computed in UTC, and the web UI is
    off unless `config` turns it on. In local mode Spark's Python workers run this very
    interpreter, so they import the same libraries as the caller.
    """
    try:
        from pyspark.sql import SparkSession  # pants: no-infer-dep
    except ImportError:
        raise FeatureComputationError(
            "the spark engine needs pyspark, which is not installed here: install "
            "pyspark>=4.0,<4.1, or run a job's Spark executable (jobs/<job>-spark.pex)"
        ) from None
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        **(config or {}),
    }
    if master.startswith("local"):
        # PySpark starts its workers with $PYSPARK_PYTHON, else whatever `python3` is on
        # PATH, which need not have (for example) pyarrow; a user's own choice still wins.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as error:
        raise FeatureComputationError(
            f"could not start Spark on {master!r}: {error}. Spark needs Java 17 or later "
            "(java on PATH or JAVA_HOME) and, for a cluster, a reachable master URL"
        ) from error
