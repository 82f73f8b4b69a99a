"""Turn Arrow columns into the float arrays scikit-learn consumes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from brickyard.models.errors import ModelError

FloatArray = npt.NDArray[np.float64]


def require_columns(schema: pa.Schema, columns: Sequence[str], *, purpose: str) -> None:
    """Raise `ModelError` naming every column of `columns` that a table of `schema` lacks."""
    missing = [name for name in columns if name not in schema.names]
    if missing:
        raise ModelError(
            f"{purpose}: the table lacks column(s) {', '.join(missing)} (it has: "
            f"{', '.join(schema.names)}); compute them with the same feature set the "
            "model was trained with"
        )


def numeric_column(table: pa.Table, name: str) -> FloatArray:
    """Column `name` as float64, NULL as NaN; integer, float and boolean columns only."""
    column = table[name]
    kind = column.type
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
        raise ModelError(
            f"column '{name}' has type {kind}; models need integer, float or boolean columns, "
            "so encode it numerically or drop it from the feature list"
        )
    values: FloatArray = pc.cast(column, pa.float64()).to_numpy().astype(np.float64, copy=False)
    return values


def feature_matrix(table: pa.Table, feature_names: Sequence[str], *, purpose: str) -> FloatArray:
    """The (rows, features) float64 matrix of `feature_names`, in that order."""
    require_columns(table.schema, feature_names, purpose=purpose)
    matrix = np.empty((table.num_rows, len(feature_names)), dtype=np.float64)
    for index, name in enumerate(feature_names):
        matrix[:, index] = numeric_column(table, name)
    return matrix
