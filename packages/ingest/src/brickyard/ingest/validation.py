"""Validation of one opened source against its contract, end to end.

One streaming DuckDB scan checks every row (see :mod:`brickyard.ingest.checks` and
:mod:`brickyard.ingest.scanning`), duplicate keys are settled afterwards
(:mod:`brickyard.ingest.duplicates`), and the pieces become an :class:`IngestResult` whose
counts reconcile. Memory holds the typed accepted table and the rejects, never a copy of the
raw file.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from brickyard.ingest.checks import ScanPlan, check_formats, plan_scan
from brickyard.ingest.contracts import Contract
from brickyard.ingest.duplicates import reject_duplicates
from brickyard.ingest.quarantine import (
    IngestResult,
    MalformedLine,
    assemble_rejects,
    category_counts,
    malformed_rejects,
)
from brickyard.ingest.scanning import Scanned, scan
from brickyard.ingest.sources import OpenedSource

__all__ = ["validate"]


def _as_rejects(
    table: pa.Table, opened: OpenedSource, plan: ScanPlan, malformed: list[MalformedLine]
) -> pa.Table:
    """Rejected rows in the output layout: text under the contract names, plus bookkeeping."""
    lines = opened.line_numbers(table.column("_ord").to_numpy(), malformed)
    columns = {
        name: table.column(raw) for name, raw in zip(plan.names, plan.raw_names, strict=True)
    }
    columns["_source"] = pa.array([opened.label] * table.num_rows, pa.string())
    columns["_line"] = pa.array(lines, pa.int64())
    columns["_reason"] = table.column("_reason")
    columns["_fails"] = table.column("_fails")
    return pa.table(columns)


def _max_watermark(scanned: Scanned, watermark: str | None) -> Any:
    """The largest valid watermark value among all rows read, accepted or rejected."""
    if watermark is None:
        return None
    values = [
        pc.max(table.column(watermark)).as_py()
        for table in (scanned.accepted_table(), scanned.rejected)
        if table.num_rows
    ]
    present = [value for value in values if value is not None]
    return max(present) if present else None


def validate(
    con: duckdb.DuckDBPyConnection,
    opened: OpenedSource,
    contract: Contract,
    newer_than: Any = None,
) -> tuple[IngestResult, pa.Array]:
    """Scan an opened source once, check every row, and split accepted from rejected rows.

    With `newer_than`, only rows whose watermark is greater (or cannot be read) count.
    Returns the result and, row for row of its rejects, their failure masks (the bits of
    :data:`~brickyard.ingest.quarantine.CATEGORY_BITS`).
    """
    check_formats(con, contract)
    plan = plan_scan(opened, contract, newer_than)
    scanned = scan(con, opened, plan, contract)
    malformed = opened.malformed_lines(con)
    max_watermark = _max_watermark(scanned, contract.watermark)
    rejected, moved = scanned.rejected, list[pa.Table]()
    if contract.keys:
        rejected, moved = reject_duplicates(con, opened, plan, contract, scanned, malformed)
    parts = [_as_rejects(table, opened, plan, malformed) for table in (rejected, *moved)]
    parts.append(malformed_rejects(malformed, contract, opened.label))
    rejects, fails = assemble_rejects(parts, contract)
    result = IngestResult(
        contract=contract,
        source=opened.label,
        format=opened.format,
        accepted=scanned.accepted_table().select(list(plan.names)).cast(contract.arrow_schema()),
        rejected=rejects,
        read_count=scanned.row_count + len(malformed),
        reject_counts=category_counts(fails),
        dropped_columns=opened.dropped_columns,
        max_watermark=max_watermark,
    )
    return result, fails
