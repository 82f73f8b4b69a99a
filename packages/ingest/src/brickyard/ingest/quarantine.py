"""Quarantined rows and the result of one ingest: what was accepted, what was rejected and why.

Every row read from a source ends up in exactly one of two tables. Rejected rows keep their
original values as text, plus ``_source`` (the file or query), ``_line`` (where the row is)
and ``_reason`` (every check it failed, joined by ``"; "``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brickyard.ingest.contracts import Contract
from brickyard.ingest.errors import IngestError

__all__ = [
    "REJECT_CATEGORIES",
    "IngestResult",
    "rejects_schema",
]

#: Reason categories, in the order reports list them.
REJECT_CATEGORIES = ("type", "null", "range", "allowed", "duplicate_key", "malformed")

#: One bit per category in the internal failure mask of a row.
CATEGORY_BITS: Mapping[str, int] = MappingProxyType(
    {category: 1 << index for index, category in enumerate(REJECT_CATEGORIES)}
)


def rejects_schema(contract: Contract) -> pa.Schema:
    """Schema of a rejected table: every contract column as text, then the bookkeeping columns."""
    return pa.schema(
        [pa.field(name, pa.string()) for name in contract.column_names]
        + [
            pa.field("_source", pa.string(), nullable=False),
            pa.field("_line", pa.int64(), nullable=False),
            pa.field("_reason", pa.string(), nullable=False),
        ]
    )


@dataclass(frozen=True)
class IngestResult:
    """Outcome of reading and validating one source against a contract.

    ``read_count`` is counted from the source independently of the two tables, and
    construction fails unless ``read_count == accepted_count + rejected_count``.
    ``reject_counts`` gives, per category in :data:`REJECT_CATEGORIES`, how many rejected rows
    failed at least one check of that category (a row failing several categories counts in
    each). ``max_watermark`` is the largest valid watermark value among the rows read, or None.
    """

    contract: Contract
    source: str
    format: str
    accepted: pa.Table
    rejected: pa.Table
    read_count: int
    reject_counts: Mapping[str, int]
    dropped_columns: tuple[str, ...] = ()
    max_watermark: Any = None

    def __post_init__(self) -> None:
        if self.read_count != self.accepted_count + self.rejected_count:
            raise IngestError(
                f"{self.source}: counts do not reconcile: read {self.read_count} rows but "
                f"accepted {self.accepted_count} and rejected {self.rejected_count}; this is a "
                "bug in brickyard.ingest, please report it with the source file"
            )
        unknown = set(self.reject_counts) - set(REJECT_CATEGORIES)
        if unknown:
            raise IngestError(f"unknown reject categories: {sorted(unknown)}")

    @property
    def accepted_count(self) -> int:
        """Rows that passed every check."""
        return int(self.accepted.num_rows)

    @property
    def rejected_count(self) -> int:
        """Rows quarantined in `rejected`."""
        return int(self.rejected.num_rows)

    def summary(self) -> dict[str, Any]:
        """Counts and provenance as plain JSON-ready data (no timestamps, stable key order)."""
        return {
            "contract": self.contract.name,
            "source": self.source,
            "format": self.format,
            "read": self.read_count,
            "accepted": self.accepted_count,
            "rejected": self.rejected_count,
            "rejected_by_reason": {
                name: self.reject_counts.get(name, 0) for name in REJECT_CATEGORIES
            },
            "dropped_columns": list(self.dropped_columns),
        }


def category_counts(fails: pa.Array | pa.ChunkedArray) -> dict[str, int]:
    """How many rows have each category bit set in a failure mask column."""
    counts = {}
    for category, bit in CATEGORY_BITS.items():
        flagged = pc.not_equal(pc.bit_wise_and(fails, pa.scalar(bit, fails.type)), 0)
        counts[category] = int(pc.sum(flagged).as_py() or 0)
    return counts


@dataclass(frozen=True)
class MalformedLine:
    """A CSV line the reader could not split into the header's columns."""

    line: int
    message: str


def malformed_rejects(lines: Sequence[MalformedLine], contract: Contract, source: str) -> pa.Table:
    """Rejected rows for malformed lines: no column values, the reader's message as reason."""
    count = len(lines)
    columns: dict[str, pa.Array] = {
        name: pa.nulls(count, pa.string()) for name in contract.column_names
    }
    columns["_source"] = pa.array([source] * count, pa.string())
    columns["_line"] = pa.array([item.line for item in lines], pa.int64())
    columns["_reason"] = pa.array([item.message for item in lines], pa.string())
    columns["_fails"] = pa.array([CATEGORY_BITS["malformed"]] * count, pa.int32())
    return pa.table(columns)


def assemble_rejects(parts: Sequence[pa.Table], contract: Contract) -> tuple[pa.Table, pa.Array]:
    """Concatenate reject parts (each with a ``_fails`` mask), order them by line.

    Returns the rejects and, row for row, their failure masks (see :func:`category_counts`).
    """
    schema = rejects_schema(contract).append(pa.field("_fails", pa.int32()))
    combined = pa.concat_tables([part.select(schema.names).cast(schema) for part in parts])
    if combined.num_rows:
        order = np.argsort(combined.column("_line").to_numpy(), kind="stable")
        combined = combined.take(pa.array(order))
    fails = combined.column("_fails").combine_chunks()
    return combined.drop_columns(["_fails"]).combine_chunks(), fails
