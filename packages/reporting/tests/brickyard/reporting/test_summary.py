from __future__ import annotations

import json
from collections.abc import Callable

import pyarrow as pa

from brickyard.reporting import ReportInputs, build_summary, render_summary_json


def test_summary_headline_and_improvement_over_baseline(
    make_inputs: Callable[..., ReportInputs],
) -> None:
    summary = build_summary(make_inputs())

    assert summary["as_of"] == "2024-06-29"
    assert summary["dataset"] == "dwd_daily_max_temp"
    assert summary["headline"] == {
        "model_mae": 0.8,
        "baseline_mae": 1.2,
        "mae_improvement_pct": 33.33,
    }
    # R2 is higher-is-better, so a relative error reduction does not apply to it.
    assert summary["improvement_over_baseline_pct"] == {"MAE": 33.33, "RMSE": 37.5, "sMAPE": 33.33}
    assert summary["metrics"]["baseline"]["R2"] == 0.7


def test_a_worse_model_has_a_negative_improvement(make_inputs: Callable[..., ReportInputs]) -> None:
    summary = build_summary(make_inputs(metrics={"model": {"mae": 1.5}, "baseline": {"MAE": 1.0}}))

    assert summary["headline"]["mae_improvement_pct"] == -50.0


def test_improvement_is_null_when_the_baseline_error_is_zero(
    make_inputs: Callable[..., ReportInputs],
) -> None:
    summary = build_summary(make_inputs(metrics={"model": {"MAE": 0.5}, "baseline": {"MAE": 0}}))

    assert summary["headline"]["mae_improvement_pct"] is None


def test_latest_forecast_is_the_unobserved_last_day(
    make_inputs: Callable[..., ReportInputs],
) -> None:
    (latest,) = build_summary(make_inputs())["latest_forecast"]

    assert latest["entity"] is None
    assert latest["time"] == "2024-06-30"
    assert latest["actual"] is None
    assert latest["predicted"] == 23.741
    assert latest["baseline"] == 23.285


def test_latest_forecast_per_entity(
    make_inputs: Callable[..., ReportInputs], make_predictions: Callable[..., pa.Table]
) -> None:
    summary = build_summary(make_inputs(predictions=make_predictions(("Munich", "Berlin"))))

    latest = summary["latest_forecast"]
    assert [row["entity"] for row in latest] == ["Berlin", "Munich"]
    assert [row["time"] for row in latest] == ["2024-06-30", "2024-06-30"]
    assert summary["predictions"] == {
        "rows": 60,
        "scored_rows": 58,
        "entities": 2,
        "first_time": "2024-06-01",
        "last_time": "2024-06-30",
    }


def test_feature_importance_is_ranked_with_ties_broken_by_name(
    make_inputs: Callable[..., ReportInputs],
) -> None:
    summary = build_summary(
        make_inputs(feature_importance={"b": 0.25, "a": 0.25, "c": 0.5, "d": 0.1234567})
    )

    assert summary["feature_importance"] == [
        {"feature": "c", "importance": 0.5},
        {"feature": "a", "importance": 0.25},
        {"feature": "b", "importance": 0.25},
        {"feature": "d", "importance": 0.123457},
    ]


def test_data_quality_and_provenance(make_inputs: Callable[..., ReportInputs]) -> None:
    summary = build_summary(make_inputs(run={"z": "last", "a": "first"}))

    quality = summary["data_quality"]
    assert (quality["read"], quality["accepted"], quality["rejected"]) == (100, 97, 3)
    assert quality["reject_rate"] == 0.03
    assert quality["rejects_by_reason"] == {"out_of_range": 2, "unparseable_date": 1}
    assert quality["rejects_sample"][0] == {"line": 12, "reason": "out_of_range: 99.0 > 60"}
    assert list(summary["provenance"]) == ["a", "z"]


def test_floats_are_rounded_and_negative_zero_is_normalised(
    make_inputs: Callable[..., ReportInputs],
) -> None:
    summary = build_summary(
        make_inputs(
            metrics={
                "model": {"MAE": 0.123456789, "bias": -0.00001},
                "baseline": {"MAE": 0.2},
            }
        )
    )

    assert summary["metrics"]["model"] == {"MAE": 0.1235, "bias": 0.0}
    assert '"bias": 0.0' in render_summary_json(
        make_inputs(metrics={"model": {"MAE": 1, "bias": -0.00001}, "baseline": {"MAE": 2}})
    )


def test_json_is_stable_and_round_trips(make_inputs: Callable[..., ReportInputs]) -> None:
    text = render_summary_json(make_inputs())

    assert text == render_summary_json(make_inputs())
    assert text.endswith("}\n")
    assert json.loads(text) == build_summary(make_inputs())
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
