"""The `features` command: compute a feature set on a Parquet file.

    features compute INPUT --definition F --out OUT.parquet [--entity COL]
                     [--engine duckdb|spark] [--spark-master URL]

INPUT is a Parquet table with one row per (entity, day), such as the accepted rows `ingest
load` writes; OUT is written as `write_features` writes it (a range of entities at a time,
replaced atomically). Exit codes: 0 done; 64 bad command line; 65 the input does not fit
the feature set (missing column, wrong type, duplicate day) or is not Parquet; 66 an input
does not exist; 78 the definition is invalid, or the engine cannot run here (Spark without
pyspark or Java); 73/74 the output could not be written. Built as `dist/features/features.pex`,
which leaves pyspark out, as the jobs' default executables do.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from brickyard.core import (
    CommandError,
    CommandParser,
    ExitCode,
    configure_logging,
    exits_with,
    progress,
    require_input,
    run_command,
)
from brickyard.features import (
    DuckDBEngine,
    FeatureComputationError,
    FeatureDefinitionError,
    FeatureEngine,
    FeatureSet,
    load_feature_set,
    write_features,
)

__all__ = ["main"]

log = logging.getLogger("brickyard.features")

ENGINES = ("duckdb", "spark")


def parser() -> CommandParser:
    parser = CommandParser(prog="features", description="Compute declared features on a table.")
    compute = parser.add_commands().add_parser(
        "compute",
        help="compute the features of INPUT into a Parquet file",
        description="Compute the feature set F on the Parquet table INPUT and write the "
        "result to OUT: the entity (if any), time and target columns, then every feature. "
        "The features of day t read only days before t.",
    )
    compute.add_argument("input", type=Path, metavar="INPUT", help="a Parquet table")
    compute.add_argument(
        "--definition", type=Path, required=True, metavar="F", help="the feature set TOML file"
    )
    compute.add_argument(
        "--out", type=Path, required=True, metavar="OUT.parquet", help="the Parquet file to write"
    )
    compute.add_argument(
        "--entity",
        metavar="COL",
        help="compute per value of COL, e.g. a station (default: the definition's, if any)",
    )
    compute.add_argument(
        "--engine",
        choices=ENGINES,
        default="duckdb",
        help="duckdb in this process (default), or spark (needs pyspark and Java 17)",
    )
    compute.add_argument(
        "--spark-master",
        default="local[*]",
        metavar="URL",
        help="Spark's master with --engine spark: local[*] (default), spark://host:7077, ...",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging(args.log_format or "text")
    return run_command(f"features {args.command}", lambda: compute(args), log)


def compute(args: argparse.Namespace) -> None:
    feature_set = _feature_set(args.definition, args.entity)
    source = require_input(args.input, "the input")
    # The engine first: an engine that cannot run here ends the command before any work.
    with _engine(args.engine, args.spark_master) as engine:
        table = _read_parquet(source)
        log.info(
            "read %d rows from %s", table.num_rows, source, extra={"input_rows": table.num_rows}
        )
        what = (
            f"computing {len(feature_set.features)} features of "
            f"{feature_set.name or args.definition.name} on {engine.name}"
        )
        with (
            progress(log, what, engine=engine.name),
            exits_with(ExitCode.DATA, FeatureComputationError),
        ):
            path = write_features(table, feature_set, args.out, engine=engine)
    rows = pq.read_metadata(path).num_rows
    log.info("wrote %d rows to %s", rows, path, extra={"output": str(path), "output_rows": rows})


def _feature_set(definition: Path, entity: str | None) -> FeatureSet:
    with exits_with(ExitCode.CONFIG, FeatureDefinitionError):
        feature_set = load_feature_set(require_input(definition, "the definition"))
    if entity is None:
        return feature_set
    with exits_with(ExitCode.USAGE, FeatureDefinitionError):
        return feature_set.with_entity_column(entity)


def _read_parquet(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise CommandError(
            f"cannot read {path} as a Parquet table: {error}", ExitCode.DATA
        ) from error


@contextmanager
def _engine(name: str, spark_master: str) -> Iterator[FeatureEngine]:
    if name == "duckdb":
        yield DuckDBEngine()
        return
    if importlib.util.find_spec("pyspark") is None:
        raise CommandError(
            "--engine spark needs pyspark, which is not installed here (the features "
            "executable leaves it out): install brickyard-features with pyspark>=4.0,<4.1 "
            "and run its brickyard-features command, or use --engine duckdb",
            ExitCode.CONFIG,
        )
    # Imported here: only Spark runs need the Spark engine's module.
    from brickyard.features.spark import SparkEngine, spark_session

    with (
        progress(log, f"starting Spark on {spark_master}"),
        exits_with(ExitCode.CONFIG, FeatureComputationError),
    ):
        session = spark_session(spark_master, app_name="brickyard-features")
    try:
        yield SparkEngine(session)
    finally:
        session.stop()
