"""Forecast accuracy metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

from brickyard.models.errors import ModelError
from brickyard.models.matrices import FloatArray


@dataclass(frozen=True)
class Metrics:
    """Accuracy of `n` predictions.

    `smape` is the symmetric mean absolute percentage error in percent (0-200), a pair
    where actual and prediction are both 0 counting as 0. `r2` is None for fewer than two
    rows.
    """

    n: int
    mae: float
    rmse: float
    smape: float
    r2: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"n": self.n, "mae": self.mae, "rmse": self.rmse, "smape": self.smape, "r2": self.r2}


def evaluate(actual: Any, predicted: Any) -> Metrics:
    """Metrics of `predicted` against `actual` (equal-length numeric arrays without NULLs)."""
    truth = _as_floats(actual, "actual")
    guess = _as_floats(predicted, "predicted")
    if truth.shape != guess.shape:
        raise ModelError(
            f"actual has {truth.size} values but predicted has {guess.size}; pass aligned arrays"
        )
    if truth.size == 0:
        raise ModelError("no values to evaluate; pass at least one actual/predicted pair")
    scale = np.abs(truth) + np.abs(guess)
    ratios = np.divide(
        2.0 * np.abs(truth - guess), scale, out=np.zeros_like(scale), where=scale > 0
    )
    return Metrics(
        n=int(truth.size),
        mae=float(mean_absolute_error(truth, guess)),
        rmse=float(root_mean_squared_error(truth, guess)),
        smape=float(100.0 * ratios.mean()),
        r2=float(r2_score(truth, guess)) if truth.size >= 2 else None,
    )


def _as_floats(values: Any, label: str) -> FloatArray:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        values = values.to_numpy(zero_copy_only=False)
    try:
        array = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as error:
        raise ModelError(f"{label} values are not numeric ({error})") from None
    missing = np.flatnonzero(~np.isfinite(array))
    if missing.size:
        raise ModelError(
            f"{label} has {missing.size} missing or non-finite value(s), first at position "
            f"{missing[0]}; drop those rows before evaluating"
        )
    return array
