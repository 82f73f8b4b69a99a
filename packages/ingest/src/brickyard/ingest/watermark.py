"""Incremental loads: ingest only rows newer than the last run, tracked in a state file.

The state file is JSON mapping dataset name to the highest watermark value loaded so far::

    {"seattle_weather": "2015-12-31"}

Dates and timestamps are stored as ISO 8601 text, numbers as JSON numbers. A run reads only
rows whose watermark is greater than the stored value and adds them to the dataset's
outputs, which then hold every run so far as one read of the whole source would:

* ``<name>.parquet``: every run's accepted rows, in the order they were read;
* ``<name>.rejects.csv``: every run's rejects, in line order - a run adds to the quarantine
  of earlier runs, it never replaces it;
* ``<name>.ingest.json``: this run's counts, the watermark before and after, and under
  ``total`` the counts of the whole dataset so far.

The outputs and the watermark are replaced together, after everything is written, so a
failed run changes nothing and can simply be repeated. A run that finds no new rows at all
writes nothing.

Rows whose watermark value cannot be read are not comparable, so every run reads them again
and quarantines them (the contract requires the watermark column to be non-nullable), as it
does CSV lines it cannot split; each such row replaces its own earlier entry in the
quarantine (same source, same line), so it is listed and counted once.

Watermarks assume an append-only source: a row added or changed at or below the watermark is
never read. To reload the whole source, remove the dataset from the state file (or delete
the file): the next run reads everything and replaces the outputs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from brickyard.ingest.contracts import Contract
from brickyard.ingest.errors import IngestError
from brickyard.ingest.outputs import (
    OutputPaths,
    arrow_read_error,
    json_text,
    output_paths,
    read_json_object,
    read_rejects,
    read_report,
    report_of,
    write_tables,
)
from brickyard.ingest.pipeline import read_checked, resolve_contract
from brickyard.ingest.quarantine import REJECT_CATEGORIES, IngestResult, category_counts

__all__ = [
    "IncrementalResult",
    "ingest_incremental",
    "load_watermarks",
]


@dataclass(frozen=True)
class IncrementalResult:
    """One incremental load: what this run read, and the dataset every run so far has loaded.

    ``run`` holds this run's rows (its reads, accepts and rejects). ``read_again`` of them
    were read by an earlier run too, rows whose place cannot be known (an unreadable
    watermark, a line that cannot be split); the others are new. ``total`` holds every run's
    accepted rows and the whole quarantine, with the counts one read of the whole source
    would give. ``watermark_before`` is None on a first (or full) load.
    """

    run: IngestResult
    read_again: int
    total: IngestResult
    watermark_before: Any
    watermark_after: Any


def load_watermarks(state_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The dataset -> watermark mapping in a state file; empty if the file does not exist.

    A state file that cannot be read raises `brickyard.core.ReadError`; one that is not a
    JSON object of dataset -> value, IngestError.
    """
    state = read_json_object(
        Path(state_path),
        "watermark state (a JSON object of dataset -> value)",
        "fix it or delete it to reload everything",
    )
    return {} if state is None else state


def _decode(value: Any, contract: Contract, column: str, state_path: Path) -> Any:
    """The stored watermark as a value comparable with the watermark column."""
    column_type = contract.column(column).type
    try:
        if column_type == "date":
            return date.fromisoformat(value)
        if column_type == "timestamp":
            return datetime.fromisoformat(value)
        if column_type in ("integer", "float") and isinstance(value, bool):
            raise TypeError(value)
        if column_type == "integer":
            return int(value)
        if column_type == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise IngestError(
            f"{state_path}: watermark {value!r} of {contract.name!r} is not a valid "
            f"{column_type} for column {column!r}"
        ) from None


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _previous_total(
    paths: OutputPaths, contract: Contract, state_file: Path, name: str, watermark: Any
) -> IngestResult:
    """The dataset as earlier runs left it in `paths`, checked to be whole."""
    reload = (
        f"{state_file} says {name!r} is loaded up to {_encode(watermark)}, but {{problem}}; "
        f"restore the outputs, or remove {name!r} from {state_file} to reload the whole source"
    )
    missing = [
        path.name for path in (paths.accepted, paths.rejected, paths.report) if not path.exists()
    ]
    if missing:
        raise IngestError(
            reload.format(problem=f"{', '.join(missing)} missing in {paths.report.parent}")
        )
    report = read_report(paths)
    total = report.get("total")
    if not isinstance(total, dict):
        raise IngestError(
            reload.format(problem=f'{paths.report.name} has no "total" (an older format)')
        )
    accepted = _previous_accepted(paths.accepted, contract)
    rejected = read_rejects(paths.rejected, contract)
    if (total.get("accepted"), total.get("rejected")) != (accepted.num_rows, rejected.num_rows):
        raise IngestError(
            reload.format(
                problem=f"{paths.accepted.name} ({accepted.num_rows} rows) and "
                f"{paths.rejected.name} ({rejected.num_rows} rows) do not match the counts in "
                f"{paths.report.name}"
            )
        )
    return IngestResult(
        contract=contract,
        source=str(report.get("source", "")),
        format=str(report.get("format", "")),
        accepted=accepted,
        rejected=rejected,
        read_count=int(total["read"]),
        reject_counts={
            name: int(total["rejected_by_reason"].get(name, 0)) for name in REJECT_CATEGORIES
        },
        dropped_columns=tuple(report.get("dropped_columns", ())),
        max_watermark=watermark,
    )


def _previous_accepted(path: Path, contract: Contract) -> pa.Table:
    try:
        previous = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise arrow_read_error(path, error, "the existing accepted output") from None
    expected = contract.arrow_schema()
    if not previous.schema.equals(expected):
        raise IngestError(
            f"{path}: existing accepted output has schema {previous.schema} but contract "
            f"{contract.name!r} now gives {expected}; move the old output away to reload"
        )
    return previous


def _row_keys(rejected: pa.Table) -> list[tuple[str, int]]:
    """Where each rejected row was read: its source and line identify it across runs."""
    return list(zip(rejected["_source"].to_pylist(), rejected["_line"].to_pylist(), strict=True))


def _accumulate(
    previous: IngestResult, run: IngestResult, failures: pa.Array
) -> tuple[IngestResult, int]:
    """`previous` with `run` added: its accepted rows appended, its rejects merged in; and
    how many rows `run` read again.

    A reject of `run` read from the same source and line as an earlier one is that row read
    again (its watermark cannot be read): it replaces the earlier entry, and is counted once.
    """
    again = set(_row_keys(run.rejected))
    before = set(_row_keys(previous.rejected))
    kept = previous.rejected.filter(
        pa.array([key not in again for key in _row_keys(previous.rejected)], pa.bool_())
    )
    new = pa.array([key not in before for key in _row_keys(run.rejected)], pa.bool_())
    new_counts = category_counts(failures.filter(new))
    read_again = previous.rejected_count - kept.num_rows
    rejected = pa.concat_tables([kept, run.rejected])
    order = np.argsort(rejected["_line"].to_numpy(), kind="stable")
    total = IngestResult(
        contract=run.contract,
        source=run.source,
        format=run.format,
        accepted=pa.concat_tables([previous.accepted, run.accepted]),
        rejected=rejected.take(pa.array(order)).combine_chunks(),
        read_count=previous.read_count + run.read_count - read_again,
        reject_counts={
            name: previous.reject_counts.get(name, 0) + new_counts[name]
            for name in REJECT_CATEGORIES
        },
        dropped_columns=run.dropped_columns,
        max_watermark=max(
            (value for value in (previous.max_watermark, run.max_watermark) if value is not None),
            default=None,
        ),
    )
    return total, read_again


def ingest_incremental(
    source: str | os.PathLike[str],
    contract: Contract | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    state_path: str | os.PathLike[str],
    format: str | None = None,
    *,
    dataset_name: str | None = None,
) -> IncrementalResult:
    """Ingest the rows of `source` newer than the stored watermark and add them to the outputs.

    The watermark advances to the largest valid watermark value read so far, together with
    the outputs. Without a stored watermark the whole source is read and the outputs are
    replaced.
    """
    resolved = resolve_contract(contract)
    if resolved.watermark is None:
        raise IngestError(
            f'contract {resolved.name!r} has no watermark column; set watermark = "<column>" '
            "to load it incrementally"
        )
    name = dataset_name if dataset_name is not None else resolved.name
    paths = output_paths(out_dir, name)
    state_file = Path(state_path)
    state = load_watermarks(state_file)
    stored = (
        _decode(state[name], resolved, resolved.watermark, state_file) if name in state else None
    )
    previous = (
        None if stored is None else _previous_total(paths, resolved, state_file, name, stored)
    )
    run, failures = read_checked(source, resolved, format, stored)
    if run.read_count == 0:
        return IncrementalResult(run, 0, previous or run, stored, stored)
    total, read_again = (run, 0) if previous is None else _accumulate(previous, run, failures)
    advanced = total.max_watermark
    report = {
        **report_of(run, total, paths, name),
        "read_again": read_again,
        "total": {
            key: value
            for key, value in total.summary().items()
            if key in ("read", "accepted", "rejected", "rejected_by_reason")
        },
        "watermark_before": _encode(stored),
        "watermark_after": _encode(advanced),
    }
    state_update = (
        {state_file: json_text({**state, name: _encode(advanced)})}
        if advanced is not None and advanced != stored
        else {}
    )
    write_tables(total, paths, report, also=state_update)
    return IncrementalResult(run, read_again, total, stored, advanced)
