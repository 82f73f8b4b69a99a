from __future__ import annotations

from brickyard.models import evaluate
from brickyard.reporting.metrics import report_metrics


def test_model_and_baseline_are_named_for_display() -> None:
    model = evaluate([1.0, 2.0, 3.0], [1.0, 2.5, 3.0])
    baseline = evaluate([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    metrics = report_metrics(model, baseline)
    assert set(metrics) == {"model", "baseline"}
    assert metrics["model"]["MAE"] == model.mae
    assert metrics["baseline"]["RMSE"] == baseline.rmse
    assert set(metrics["model"]) == {"MAE", "RMSE", "sMAPE", "R2"}


def test_undefined_r2_is_left_out() -> None:
    single = evaluate([1.0], [2.0])
    assert single.r2 is None
    assert "R2" not in report_metrics(single, single)["model"]
