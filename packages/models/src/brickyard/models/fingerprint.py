"""A deterministic content hash of the columns a model was trained on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_VERSION = b"brickyard-table-fingerprint-v1\0"


def table_fingerprint(table: pa.Table, columns: Sequence[str]) -> str:
    """sha256 (hex) over the names, types and values of `columns`, in that order.

    Depends only on content: chunking, buffer layout and the bytes hidden under NULLs do
    not change it, and every NaN hashes alike.
    """
    digest = hashlib.sha256(_VERSION)
    digest.update(f"rows={table.num_rows}\0".encode())
    for name in columns:
        column = table[name]
        digest.update(f"{name}\0{column.type}\0".encode())
        digest.update(pc.is_valid(column).to_numpy(zero_copy_only=False).tobytes())
        digest.update(_value_bytes(column))
    return digest.hexdigest()


def _value_bytes(column: pa.ChunkedArray) -> bytes:
    kind = column.type
    if pa.types.is_floating(kind):
        values = pc.fill_null(pc.cast(column, pa.float64()), 0.0).to_numpy()
        return np.where(np.isnan(values), np.nan, values).tobytes()
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_temporal(kind):
        # Temporal values hash as their integer storage (days, or units since the epoch).
        storage = pa.int32() if pa.types.is_date32(kind) else pa.int64()
        integers: np.ndarray = pc.fill_null(column.cast(storage), 0).to_numpy()
        return integers.tobytes()
    return json.dumps(column.to_pylist(), default=str, ensure_ascii=False).encode()
