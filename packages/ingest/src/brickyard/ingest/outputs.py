"""Writing an ingest's outputs atomically: accepted Parquet, rejects CSV and a JSON report.

For a dataset ``name`` in ``out_dir``:

* ``name.parquet`` - the accepted rows, typed per contract;
* ``name.rejects.csv`` - the rejected rows with ``_source``, ``_line`` and ``_reason``; always
  written, with its header even when nothing was rejected;
* ``name.ingest.json`` - counts and provenance.

The three files are replaced together with ``brickyard.core.atomic_files``: a failure leaves
the previous outputs exactly as they were and no temporary file behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from brickyard.core import ReadError, atomic_files
from brickyard.ingest.contracts import Contract
from brickyard.ingest.errors import IngestError
from brickyard.ingest.quarantine import IngestResult, rejects_schema

__all__ = [
    "OutputPaths",
    "output_paths",
    "write_outputs",
]


@dataclass(frozen=True)
class OutputPaths:
    """Where the outputs of one dataset live."""

    accepted: Path
    rejected: Path
    report: Path


def output_paths(out_dir: str | os.PathLike[str], dataset_name: str) -> OutputPaths:
    """The three output paths of `dataset_name` in `out_dir`."""
    if not dataset_name or Path(dataset_name).name != dataset_name or dataset_name.startswith("."):
        raise IngestError(
            f"dataset name {dataset_name!r} is not a plain file name; use letters, digits, _ . -"
        )
    directory = Path(out_dir)
    return OutputPaths(
        accepted=directory / f"{dataset_name}.parquet",
        rejected=directory / f"{dataset_name}.rejects.csv",
        report=directory / f"{dataset_name}.ingest.json",
    )


def json_text(data: Mapping[str, Any]) -> str:
    """JSON with sorted keys and a trailing newline, so equal data gives equal bytes."""
    return json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"


def read_json_object(path: Path, what: str, advice: str) -> dict[str, Any] | None:
    """The JSON object in the state file `path`, or None if there is no such file.

    A file that cannot be read is a ReadError; one that does not hold a JSON object an
    IngestError saying what the file is (`what`) and what to do (`advice`).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ReadError(path, error) from error
    try:
        found = json.loads(data)
    except ValueError as error:
        raise IngestError(f"{path}: {what} is not valid JSON ({error}); {advice}") from None
    if not isinstance(found, dict):
        raise IngestError(f"{path}: {what} must be a JSON object; {advice}")
    return found


def arrow_read_error(path: Path, error: Exception, what: str) -> ReadError | IngestError:
    """The error for an output of an earlier run that Arrow could not read back: the
    operating system's (a missing or unreadable file), or the content's."""
    if isinstance(error, OSError) and error.errno is not None:
        return ReadError(path, error)
    return IngestError(f"{path}: {what} cannot be read back: {error}")


def read_report(paths: OutputPaths) -> dict[str, Any]:
    """The ingest JSON report written with `paths` (an empty dict if there is none)."""
    report = read_json_object(
        paths.report, "the ingest report", "restore it, or delete the watermark to reload"
    )
    return report or {}


def read_rejects(path: Path, contract: Contract) -> pa.Table:
    """A rejects CSV written by :func:`write_tables`, back as the table it was written from."""
    schema = rejects_schema(contract)
    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=schema,
                include_columns=schema.names,
                # Every text is written quoted, so only a missing value is unquoted and empty.
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                null_values=[""],
            ),
        )
    except (OSError, pa.ArrowInvalid) as error:
        raise arrow_read_error(path, error, "the rejects file") from None
    return table.cast(schema).combine_chunks()


def report_of(
    read: IngestResult, written: IngestResult, paths: OutputPaths, dataset_name: str
) -> dict[str, Any]:
    """The JSON report of a run: the counts and provenance of what it `read`, and where the
    tables `written` (the same, or more for an incremental load) went."""
    return {
        "dataset": dataset_name,
        **read.summary(),
        "outputs": {
            "accepted": paths.accepted.name,
            "accepted_rows": written.accepted_count,
            "rejected": paths.rejected.name,
        },
    }


def write_tables(
    result: IngestResult,
    paths: OutputPaths,
    report: Mapping[str, Any],
    *,
    also: Mapping[Path, str] | None = None,
) -> None:
    """Replace the accepted, rejected and report files of `paths` together, all or none.

    `also` maps more files to their text, to be replaced with them (a watermark state).
    """
    with atomic_files() as stage:
        stage(paths.accepted, lambda path: pq.write_table(result.accepted, path))
        stage(paths.rejected, lambda path: pacsv.write_csv(result.rejected, path))
        stage(paths.report, json_text(report))
        for path, text in (also or {}).items():
            stage(path, text)


def write_outputs(
    result: IngestResult, out_dir: str | os.PathLike[str], dataset_name: str | None = None
) -> OutputPaths:
    """Write `result` as ``<name>.parquet``, ``<name>.rejects.csv`` and ``<name>.ingest.json``.

    `dataset_name` defaults to the contract name. If writing any of the three fails, none of
    the previous files is replaced.
    """
    name = dataset_name if dataset_name is not None else result.contract.name
    paths = output_paths(out_dir, name)
    write_tables(result, paths, report_of(result, result, paths, name))
    return paths
