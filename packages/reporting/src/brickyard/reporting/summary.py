"""The machine-readable summary of a report, and its stable JSON form.

The HTML report is rendered from this same summary, so the numbers a reader sees and the
numbers a downstream job reads can never disagree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyarrow.compute as pc

from brickyard.reporting.inputs import ENTITY_COLUMN, ReportInputs

SCHEMA_VERSION = 1
"""Bumped whenever a key of the summary is renamed, removed or changes meaning."""

LOWER_IS_BETTER = frozenset({"mae", "mse", "rmse", "mape", "smape"})
"""Metrics (by lower-cased name) whose relative improvement over the baseline is reported."""

_VALUE_DIGITS = 4
_PERCENT_DIGITS = 2
_SHARE_DIGITS = 6


def build_summary(inputs: ReportInputs) -> dict[str, Any]:
    """Summarise a report as plain JSON-ready data (str, int, float, None, list, dict).

    ``improvement_over_baseline_pct`` holds, for each lower-is-better metric both sides
    report (MAE, RMSE, sMAPE...), how much lower the model's value is, in percent of the
    baseline's (positive: the model is better; null when the baseline's value is 0).
    ``feature_importance`` is a list, most important first, because a JSON object's key
    order is not kept by ``sort_keys``.
    """
    improvements = _improvements(inputs.metrics["model"], inputs.metrics["baseline"])
    quality = inputs.quality
    return {
        "schema_version": SCHEMA_VERSION,
        "title": inputs.title,
        "as_of": inputs.as_of.isoformat(),
        "dataset": inputs.dataset,
        "unit": inputs.unit,
        "headline": {
            "model_mae": _rounded(_metric(inputs.metrics["model"], "mae")),
            "baseline_mae": _rounded(_metric(inputs.metrics["baseline"], "mae")),
            "mae_improvement_pct": next(
                (pct for name, pct in improvements.items() if name.lower() == "mae"), None
            ),
        },
        "latest_forecast": _latest_forecasts(inputs),
        "predictions": _coverage(inputs),
        "metrics": {
            side: {name: _rounded(value) for name, value in values.items()}
            for side, values in inputs.metrics.items()
        },
        "improvement_over_baseline_pct": improvements,
        "data_quality": {
            "dataset": quality.dataset,
            "read": quality.read_count,
            "accepted": quality.accepted_count,
            "rejected": quality.rejected_count,
            "reject_rate": _rounded(quality.reject_rate, _SHARE_DIGITS),
            "rejects_by_reason": dict(quality.rejects_by_reason),
            "rejects_sample": [
                {"line": _plain(row["line"]), "reason": str(row["reason"])}
                for row in quality.rejects_sample
            ],
        },
        "feature_importance": [
            {"feature": name, "importance": _rounded(value, _SHARE_DIGITS)}
            for name, value in inputs.ranked_importance
        ],
        "provenance": dict(sorted(inputs.run.items())),
    }


def render_summary_json(inputs: ReportInputs) -> str:
    """The summary as JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(build_summary(inputs), indent=2, sort_keys=True, allow_nan=False) + "\n"


def _latest_forecasts(inputs: ReportInputs) -> list[dict[str, Any]]:
    """The last prediction of every entity (one entry, entity null, without entities)."""
    latest: dict[str | None, dict[str, Any]] = {}
    # Rows are sorted by entity and time, so the last row seen per entity is its latest.
    for row in inputs.predictions.to_pylist():
        latest[row.get(ENTITY_COLUMN)] = row
    return [
        {
            "entity": entity,
            "time": row["time"].isoformat(),
            "predicted": _rounded(row["predicted"]),
            "baseline": _rounded(row["baseline"]),
            "actual": _rounded(row["actual"]),
        }
        for entity, row in latest.items()
    ]


def _coverage(inputs: ReportInputs) -> dict[str, Any]:
    table = inputs.predictions
    span = pc.min_max(table["time"])
    return {
        "rows": table.num_rows,
        "scored_rows": table.num_rows - table["actual"].null_count,
        "entities": len(table[ENTITY_COLUMN].unique()) if inputs.has_entities else 1,
        "first_time": span["min"].as_py().isoformat(),
        "last_time": span["max"].as_py().isoformat(),
    }


def _improvements(
    model: Mapping[str, float], baseline: Mapping[str, float]
) -> dict[str, float | None]:
    improvements: dict[str, float | None] = {}
    for name, value in model.items():
        base = _metric(baseline, name)
        if name.lower() not in LOWER_IS_BETTER or base is None:
            continue
        improvements[name] = (
            _rounded((base - value) / base * 100, _PERCENT_DIGITS) if base else None
        )
    return improvements


def _metric(values: Mapping[str, float], name: str) -> float | None:
    """The value of the metric called ``name`` in any letter case (names vary by producer)."""
    return next((v for candidate, v in values.items() if candidate.lower() == name.lower()), None)


def _rounded(value: float | None, digits: int = _VALUE_DIGITS) -> float | None:
    # Adding 0.0 turns -0.0 into 0.0, so a value that rounds to zero always prints as 0.0.
    return None if value is None else round(value, digits) + 0.0


def _plain(value: object) -> int | str:
    return value if isinstance(value, int) and not isinstance(value, bool) else str(value)
