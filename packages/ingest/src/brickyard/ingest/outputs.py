"""Writing an ingest's outputs atomically: accepted Parquet, rejects CSV and a JSON report.

For a dataset ``name`` in ``out_dir``:

* ``name.parquet`` - the accepted rows, typed per contract;
* ``name.rejects.csv`` - the rejected rows with ``_source``, ``_line`` and ``_reason``; always
  written, with its header even when nothing was rejected;
* ``name.ingest.json`` - counts and provenance.

All three are first written to temporary files in ``out_dir`` and fsynced; only then are they
moved into place with ``os.replace``. A failure before that point removes the temporary files
and leaves any previous outputs exactly as they were.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from brickyard.ingest.errors import IngestError
from brickyard.ingest.quarantine import IngestResult

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


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def staged_files(directory: Path) -> Iterator[Callable[[Path, Callable[[Path], None]], None]]:
    """Stage files next to their targets and move them all into place only on success.

    The yielded ``stage(target, write)`` calls ``write(temporary_path)``; the temporary file is
    fsynced. When the block ends without an exception every staged file replaces its target;
    otherwise all staged files are deleted and the targets are untouched.
    """
    staged: list[tuple[Path, Path]] = []

    def stage(target: Path, write: Callable[[Path], None]) -> None:
        descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        os.close(descriptor)
        temporary = Path(name)
        staged.append((temporary, target))
        write(temporary)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())

    try:
        yield stage
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, target in staged:
        os.replace(temporary, target)
    _fsync_directory(directory)


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write JSON with sorted keys and a trailing newline, so equal data gives equal bytes."""
    path.write_text(
        json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )


def write_tables(
    accepted: pa.Table,
    result: IngestResult,
    out_dir: str | os.PathLike[str],
    dataset_name: str,
    report_extra: Mapping[str, Any] | None = None,
) -> OutputPaths:
    """Atomically write `accepted`, `result.rejected` and the report for `dataset_name`."""
    paths = output_paths(out_dir, dataset_name)
    directory = paths.accepted.parent
    directory.mkdir(parents=True, exist_ok=True)
    report = {
        "dataset": dataset_name,
        **result.summary(),
        "outputs": {
            "accepted": paths.accepted.name,
            "accepted_rows": accepted.num_rows,
            "rejected": paths.rejected.name,
        },
        **(report_extra or {}),
    }
    with staged_files(directory) as stage:
        stage(paths.accepted, lambda path: pq.write_table(accepted, path))
        stage(paths.rejected, lambda path: pacsv.write_csv(result.rejected, path))
        stage(paths.report, lambda path: write_json(path, report))
    return paths


def write_outputs(
    result: IngestResult, out_dir: str | os.PathLike[str], dataset_name: str | None = None
) -> OutputPaths:
    """Write `result` as ``<name>.parquet``, ``<name>.rejects.csv`` and ``<name>.ingest.json``.

    `dataset_name` defaults to the contract name. If writing any of the three fails, none of
    the previous files is replaced.
    """
    name = dataset_name if dataset_name is not None else result.contract.name
    return write_tables(result.accepted, result, out_dir, name)
