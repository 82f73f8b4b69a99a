"""The `models` command: score a feature table with a saved model, or say what a model is.

    models score --model DIR INPUT --out OUT.parquet   predictions for every row of INPUT
    models inspect DIR                                 the model's metadata, as JSON

DIR is a model directory as `save_model` (and so the jobs, under
`<output>/models/<model>/<as-of>/`) writes it; both commands load it as the jobs do, so a
model this environment cannot trust (another format, scikit-learn or Python version) is
refused with both versions named. INPUT is a Parquet table holding the model's feature
columns, such as `features compute` writes. Exit codes: 0 done; 64 bad command line; 65 the
model cannot be used here, or INPUT lacks its columns or is not Parquet; 66 an input does
not exist; 73/74 the output could not be written. Built as `dist/models/models.pex`.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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
    write_file,
)
from brickyard.models import ModelError, TrainedModel, load_model, prediction_schema, score

__all__ = ["main"]

log = logging.getLogger("brickyard.models")

# Rows scored at a time: memory stays bounded on large inputs, and the log shows progress.
BATCH_ROWS = 100_000


def parser() -> CommandParser:
    parser = CommandParser(
        prog="models", description="Score with a saved model, or say what a model is."
    )
    commands = parser.add_commands()
    score_command = commands.add_parser(
        "score",
        help="write the model's predictions for every row of INPUT",
        description="Score every row of the Parquet table INPUT with the model in DIR and "
        "write OUT: the time (and entity) columns of INPUT, in its order, and `prediction`.",
    )
    score_command.add_argument(
        "--model", type=Path, required=True, metavar="DIR", help="a saved model directory"
    )
    score_command.add_argument("input", type=Path, metavar="INPUT", help="a Parquet table")
    score_command.add_argument(
        "--out", type=Path, required=True, metavar="OUT.parquet", help="the Parquet file to write"
    )
    inspect_command = commands.add_parser(
        "inspect",
        help="print a saved model's metadata as JSON",
        description="Load the model in DIR as `score` does and print what it is as JSON: "
        "name, target, time and entity columns, features in order, parameters, training "
        "data (fingerprint, rows, period) and metrics.",
    )
    inspect_command.add_argument("model", type=Path, metavar="DIR", help="a saved model directory")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging(args.log_format or "text")
    commands: dict[str, Callable[[argparse.Namespace], None]] = {
        "score": score_rows,
        "inspect": inspect,
    }
    return run_command(f"models {args.command}", lambda: commands[args.command](args), log)


def score_rows(args: argparse.Namespace) -> None:
    model = _model(args.model)
    table = _parquet(require_input(args.input, "the input"))
    total = table.metadata.num_rows
    with exits_with(ExitCode.DATA, ModelError):
        schema = prediction_schema(model, table.schema_arrow)
    columns = [*model.inputs.key_columns, *model.inputs.feature_names]

    def write(path: Path) -> None:
        scored = 0
        with pq.ParquetWriter(path, schema) as writer:
            for batch in table.iter_batches(batch_size=BATCH_ROWS, columns=columns):
                with exits_with(ExitCode.DATA, ModelError):
                    writer.write_table(score(model, pa.Table.from_batches([batch])))
                scored += batch.num_rows
                log.info(
                    "scored %d of %d rows", scored, total, extra={"scored": scored, "rows": total}
                )

    with progress(log, f"scoring {args.input} with model {model.name}", model=model.name):
        path = write_file(args.out, write)
    log.info("wrote %d predictions to %s", total, path, extra={"output": str(path)})


def inspect(args: argparse.Namespace) -> None:
    print(json.dumps(_description(_model(args.model)), indent=2))


def _model(directory: Path) -> TrainedModel:
    require_input(directory, "the model directory")
    with exits_with(ExitCode.DATA, ModelError):
        return load_model(directory)


def _parquet(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise CommandError(
            f"cannot read {path} as a Parquet table: {error}", ExitCode.DATA
        ) from error


def _description(model: TrainedModel) -> dict[str, Any]:
    inputs, training = model.inputs, model.training
    return {
        "name": model.name,
        "target": inputs.target,
        "time_column": inputs.time_column,
        "entity_column": inputs.entity_column,
        "features": list(inputs.feature_names),
        "params": model.params.model_dump(mode="json"),
        "training": {
            "fingerprint": training.fingerprint,
            "rows": training.rows,
            "period_start": training.period_start.isoformat(),
            "period_end": training.period_end.isoformat(),
        },
        "metrics": dict(model.metrics),
    }
