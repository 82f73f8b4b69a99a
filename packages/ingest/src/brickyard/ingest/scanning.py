"""Streaming the check query out of DuckDB and splitting its rows, a batch at a time.

Rows arrive as Arrow batches in source order (DuckDB keeps insertion order through
projections), so each row's position ``_ord`` is simply its count in the stream - no
``row_number()``, which would make the scan single-threaded. Accepted rows keep only their
typed values; rejected rows keep their original text and reasons.

Rejected rows are rare, so the accepted rows of a batch are kept as zero-copy slices of it
between the rejected ones rather than copied out with a filter: copying every accepted value
once more costs more than the whole split otherwise does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brickyard.ingest.checks import ScanPlan
from brickyard.ingest.contracts import Contract
from brickyard.ingest.sources import OpenedSource, unreadable

__all__ = ["Scanned", "kept_rows", "numbered", "scan"]

_BATCH_ROWS = 1 << 17
# Beyond this many rows left out of one batch (e.g. most rows skipped by an incremental
# load), filtering it is cheaper than keeping one slice per stretch between them.
_MAX_SLICES = 1024
ORD = pa.field("_ord", pa.int64())


@dataclass
class Scanned:
    """Rows of one scan. Accepted rows stay a list of batches so they can be edited in place."""

    accepted: list[pa.RecordBatch]
    accepted_schema: pa.Schema
    rejected: pa.Table
    row_count: int

    def accepted_table(self) -> pa.Table:
        return pa.Table.from_batches(self.accepted, self.accepted_schema)


def scan(
    con: duckdb.DuckDBPyConnection, opened: OpenedSource, plan: ScanPlan, contract: Contract
) -> Scanned:
    """Run the check query over `opened` once and split every row into accepted or rejected.

    Accepted rows keep ``_ord``, the key hash ``_h`` (if the contract has keys) and their typed
    values. Rejected rows keep ``_ord``, ``_h``, the failure mask ``_fails``, ``_reason``, their
    original text as ``_r<i>`` and their typed key and watermark values. Rows the query marks
    ``_skip`` (older than an incremental watermark) are left out and not counted.
    """
    keyed = ["_h"] if contract.keys else []
    accepted_columns = ["_ord", *keyed, *plan.names]
    typed_extras = [name for name in (*contract.keys, contract.watermark) if name is not None]
    rejected_columns = ["_ord", *keyed, "_fails", "_reason", "_raw", *dict.fromkeys(typed_extras)]
    accepted: list[pa.RecordBatch] = []
    rejected: list[pa.RecordBatch] = []
    row_count = 0
    try:
        schema, batches = numbered(con, plan.scan)
        skipping = "_skip" in schema.names
        for batch in batches:
            # _fails is never NULL: rows that pass every check carry 0.
            failed = batch.column("_fails").to_numpy(zero_copy_only=False) != 0
            left_out = failed
            if skipping:
                skipped = batch.column("_skip").to_numpy(zero_copy_only=False)
                failed, left_out = failed & ~skipped, failed | skipped
                row_count += batch.num_rows - int(np.count_nonzero(skipped))
            else:
                row_count += batch.num_rows
            accepted.extend(kept_rows(batch.select(accepted_columns), left_out))
            if failed.any():
                rows = batch.select(rejected_columns).take(pa.array(np.flatnonzero(failed)))
                rejected.append(_unpack_raw(rows, plan))
    except duckdb.Error as error:
        raise unreadable(opened.label, opened.format, error) from None
    empty_rejects = _unpack_raw(
        pa.RecordBatch.from_pylist([], _select_schema(schema, rejected_columns)), plan
    )
    return Scanned(
        accepted=accepted,
        accepted_schema=_select_schema(schema, accepted_columns),
        rejected=pa.Table.from_batches(rejected, empty_rejects.schema),
        row_count=row_count,
    )


def kept_rows(batch: pa.RecordBatch, left_out: np.ndarray) -> list[pa.RecordBatch]:
    """The rows of `batch` not flagged in `left_out`: slices of it, or a filtered copy."""
    positions = np.flatnonzero(left_out)
    if positions.size == 0:
        return [batch]
    if positions.size > _MAX_SLICES:
        return [batch.filter(pa.array(~left_out))]
    starts = np.concatenate([[0], positions + 1])
    ends = np.concatenate([positions, [batch.num_rows]])
    return [
        batch.slice(int(start), int(end - start))
        for start, end in zip(starts, ends, strict=True)
        if end > start
    ]


def _unpack_raw(batch: pa.RecordBatch, plan: ScanPlan) -> pa.RecordBatch:
    """Replace the ``_raw`` list of original texts with one ``_r<i>`` column per value."""
    raw = batch.column("_raw")
    unpacked = batch.drop_columns(["_raw"])
    position = unpacked.schema.get_field_index("_fails")
    unpacked = unpacked.set_column(
        position, "_fails", pc.cast(unpacked.column("_fails"), pa.int32())
    )
    for index, name in enumerate(plan.raw_names):
        unpacked = unpacked.append_column(name, pc.list_element(raw, index))
    return unpacked


def numbered(
    con: duckdb.DuckDBPyConnection, query: str
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """Stream `query` as Arrow batches with ``_ord`` added: each row's 1-based position."""
    reader = con.sql(query).to_arrow_reader(_BATCH_ROWS)

    def batches() -> Iterator[pa.RecordBatch]:
        position = 0
        for batch in reader:
            ords = np.arange(position + 1, position + batch.num_rows + 1, dtype=np.int64)
            position += batch.num_rows
            yield batch.append_column(ORD, pa.array(ords))

    return reader.schema.append(ORD), batches()


def _select_schema(schema: pa.Schema, names: Sequence[str]) -> pa.Schema:
    return pa.schema([schema.field(name) for name in names])
