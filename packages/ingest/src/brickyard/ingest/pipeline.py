"""The two entry points that combine the steps: read + validate, and read + validate + write."""

from __future__ import annotations

import os
from typing import Any

import pyarrow as pa

from brickyard.ingest.contracts import Contract, load_contract
from brickyard.ingest.outputs import write_outputs
from brickyard.ingest.quarantine import IngestResult
from brickyard.ingest.sources import connect, open_source
from brickyard.ingest.validation import validate

__all__ = ["ingest", "read_checked", "read_source", "resolve_contract"]


def resolve_contract(contract: Contract | str | os.PathLike[str]) -> Contract:
    """`contract` itself, or the contract loaded from that TOML path."""
    return contract if isinstance(contract, Contract) else load_contract(contract)


def read_source(
    path_or_query: str | os.PathLike[str],
    contract: Contract | str | os.PathLike[str],
    format: str | None = None,
    *,
    newer_than: Any = None,
) -> IngestResult:
    """Read a source and check every row against the contract, quarantining failures.

    `path_or_query` is a .csv, .parquet, .jsonl or .ndjson file, or a DuckDB SQL query (format
    "sql"; inferred for text starting with SELECT, WITH, FROM or VALUES). `contract` is a
    :class:`Contract` or the path of a contract TOML file. With `newer_than`, only rows whose
    watermark column is greater are read (rows whose watermark cannot be read are kept, so
    they are quarantined rather than skipped). Nothing is written.
    """
    result, _ = read_checked(path_or_query, resolve_contract(contract), format, newer_than)
    return result


def read_checked(
    path_or_query: str | os.PathLike[str],
    contract: Contract,
    format: str | None,
    newer_than: Any,
) -> tuple[IngestResult, pa.Array]:
    """:func:`read_source`, and the failure mask of each rejected row (an incremental load
    counts the categories of the rejects it has not quarantined before)."""
    with connect() as con:
        opened = open_source(con, path_or_query, contract, format)
        return validate(con, opened, contract, newer_than=newer_than)


def ingest(
    source: str | os.PathLike[str],
    contract: Contract | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    format: str | None = None,
    *,
    dataset_name: str | None = None,
) -> IngestResult:
    """Read, validate and write one source: :func:`read_source` then :func:`write_outputs`."""
    result = read_source(source, contract, format)
    write_outputs(result, out_dir, dataset_name)
    return result
