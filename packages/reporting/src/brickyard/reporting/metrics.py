"""Accuracy metrics from brickyard.models, named as the report shows them."""

from __future__ import annotations

from brickyard.models import Metrics


def report_metrics(model: Metrics, baseline: Metrics) -> dict[str, dict[str, float]]:
    """The `metrics` of `ReportInputs`: model and baseline side by side, by display name.

    R2 is left out where it is undefined (fewer than two scored rows).
    """
    return {"model": _by_display_name(model), "baseline": _by_display_name(baseline)}


def _by_display_name(metrics: Metrics) -> dict[str, float]:
    values = {"MAE": metrics.mae, "RMSE": metrics.rmse, "sMAPE": metrics.smape, "R2": metrics.r2}
    return {name: value for name, value in values.items() if value is not None}
