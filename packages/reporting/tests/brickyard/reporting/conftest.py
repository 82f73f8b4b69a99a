"""A small, hand-made forecasting run: 30 days of daily max temperature, the last unobserved."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pytest

from brickyard.reporting import DataQuality, ReportInputs

AS_OF = date(2024, 6, 29)
DAYS = 30


def predictions_table(entities: tuple[str, ...] = ()) -> pa.Table:
    """Actual = smooth curve, model = curve + small wobble, baseline = yesterday's actual."""
    times = [AS_OF - timedelta(days=DAYS - 2) + timedelta(days=i) for i in range(DAYS)]
    actual: list[float | None] = [round(20 + 5 * math.sin(i / 4), 3) for i in range(DAYS)]
    actual[-1] = None
    predicted = [round(20 + 5 * math.sin(i / 4) + 0.5 * math.cos(i), 3) for i in range(DAYS)]
    baseline = [None, *actual[:-1]]
    columns: dict[str, Any] = {
        "time": pa.array(times, pa.date32()),
        "actual": pa.array(actual, pa.float64()),
        "predicted": pa.array(predicted, pa.float64()),
        "baseline": pa.array(baseline, pa.float64()),
    }
    if not entities:
        return pa.table(columns)
    tables = []
    for offset, entity in enumerate(entities):
        shifted = dict(columns)
        shifted["predicted"] = pa.array([p + offset for p in predicted], pa.float64())
        shifted["entity"] = pa.array([entity] * DAYS)
        tables.append(pa.table(shifted))
    return pa.concat_tables(tables)


def quality(**overrides: Any) -> DataQuality:
    values: dict[str, Any] = {
        "dataset": "dwd_daily_max_temp",
        "read_count": 100,
        "accepted_count": 97,
        "rejected_count": 3,
        "rejects_by_reason": {"out_of_range": 2, "unparseable_date": 1},
        "rejects_sample": [
            {"line": 12, "reason": "out_of_range: 99.0 > 60"},
            {"line": 40, "reason": "unparseable_date: '2024-13-01'"},
        ],
    }
    values.update(overrides)
    return DataQuality(**values)


def inputs(**overrides: Any) -> ReportInputs:
    values: dict[str, Any] = {
        "title": "Daily max temperature forecast",
        "as_of": AS_OF,
        "dataset": "dwd_daily_max_temp",
        "predictions": predictions_table(),
        "metrics": {
            "model": {"MAE": 0.8, "RMSE": 1.0, "sMAPE": 4.0, "R2": 0.9},
            "baseline": {"MAE": 1.2, "RMSE": 1.6, "sMAPE": 6.0, "R2": 0.7},
        },
        "feature_importance": {"lag_1": 0.5, "lag_7": 0.3, "doy_sin": 0.2},
        "quality": quality(),
        "run": {"model_version": "gbm-2024.06.29", "training_fingerprint": "sha256:ab12"},
        "unit": "°C",
    }
    values.update(overrides)
    return ReportInputs(**values)


@pytest.fixture
def make_inputs() -> Callable[..., ReportInputs]:
    return inputs


@pytest.fixture
def make_quality() -> Callable[..., DataQuality]:
    return quality


@pytest.fixture
def make_predictions() -> Callable[..., pa.Table]:
    return predictions_table


@pytest.fixture(scope="session")
def report_inputs() -> ReportInputs:
    return inputs()
