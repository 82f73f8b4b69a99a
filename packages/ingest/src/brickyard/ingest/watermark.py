"""Incremental loads: ingest only rows newer than the last run, tracked in a state file.

The state file is JSON mapping dataset name to the highest watermark value loaded so far::

    {"seattle_weather": "2015-12-31"}

Dates and timestamps are stored as ISO 8601 text, numbers as JSON numbers. A run reads only
rows whose watermark is greater than the stored value, appends the accepted ones to the
existing ``<name>.parquet`` (rewriting it atomically), writes that run's rejects and report,
and only then advances the watermark - so a failed run can simply be repeated.

Rows whose watermark value cannot be read are not comparable, so every run reads them again
and quarantines them (the contract requires the watermark column to be non-nullable); they
show up in each run's rejects until the source is fixed. A run that finds no new rows at all
writes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brickyard.ingest.contracts import Contract
from brickyard.ingest.errors import IngestError
from brickyard.ingest.outputs import output_paths, staged_files, write_json, write_tables
from brickyard.ingest.pipeline import read_source, resolve_contract
from brickyard.ingest.quarantine import IngestResult

__all__ = [
    "ingest_incremental",
    "load_watermarks",
]


def load_watermarks(state_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The dataset -> watermark mapping in a state file; empty if the file does not exist."""
    path = Path(state_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        state = json.loads(text)
    except json.JSONDecodeError as error:
        raise IngestError(
            f"{path}: watermark state is not valid JSON ({error}); fix it or delete it to "
            "reload everything"
        ) from None
    if not isinstance(state, dict):
        raise IngestError(f"{path}: watermark state must be a JSON object of dataset -> value")
    return state


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


def _previous_accepted(path: Path, contract: Contract) -> pa.Table | None:
    if not path.exists():
        return None
    try:
        previous = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise IngestError(f"{path}: existing accepted output cannot be read: {error}") from None
    expected = contract.arrow_schema()
    if not previous.schema.equals(expected):
        raise IngestError(
            f"{path}: existing accepted output has schema {previous.schema} but contract "
            f"{contract.name!r} now gives {expected}; move the old output away to reload"
        )
    return previous


def ingest_incremental(
    source: str | os.PathLike[str],
    contract: Contract | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    state_path: str | os.PathLike[str],
    format: str | None = None,
    *,
    dataset_name: str | None = None,
) -> IngestResult:
    """Ingest the rows of `source` newer than the stored watermark and append them.

    The result describes this run only (its reads, accepts and rejects). The accepted Parquet
    holds every run's accepted rows; the watermark advances to the largest valid watermark
    value read, and only after the outputs are in place.
    """
    resolved = resolve_contract(contract)
    if resolved.watermark is None:
        raise IngestError(
            f'contract {resolved.name!r} has no watermark column; set watermark = "<column>" '
            "to load it incrementally"
        )
    name = dataset_name if dataset_name is not None else resolved.name
    state_file = Path(state_path)
    state = load_watermarks(state_file)
    stored = (
        _decode(state[name], resolved, resolved.watermark, state_file) if name in state else None
    )
    result = read_source(source, resolved, format, newer_than=stored)
    if result.read_count == 0:
        return result
    previous = _previous_accepted(output_paths(out_dir, name).accepted, resolved)
    accepted = (
        result.accepted if previous is None else pa.concat_tables([previous, result.accepted])
    )
    candidates = [value for value in (stored, result.max_watermark) if value is not None]
    advanced = max(candidates) if candidates else None
    write_tables(
        accepted,
        result,
        out_dir,
        name,
        report_extra={"watermark_before": _encode(stored), "watermark_after": _encode(advanced)},
    )
    if advanced is not None and advanced != stored:
        _save_watermark(state_file, state, name, advanced)
    return result


def _save_watermark(path: Path, state: Mapping[str, Any], name: str, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    updated = {**state, name: _encode(value)}
    with staged_files(path.parent) as stage:
        stage(path, lambda temporary: write_json(temporary, updated))
