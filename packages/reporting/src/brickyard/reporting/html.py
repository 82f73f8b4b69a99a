"""Render a report as one self-contained HTML page.

The page has no external stylesheet, script or image: CSS is inline and every figure is a
base64 PNG data URI, so the file reads the same from an email attachment or a file share.
The template ships inside the package and is read with ``importlib.resources``, which also
works from a zipped install. Autoescaping is on, so names and reasons taken from data
cannot inject markup.
"""

from __future__ import annotations

import base64
from functools import cache
from importlib import resources
from typing import Any

import jinja2

from brickyard.reporting.errors import ReportError
from brickyard.reporting.figures import ROLLING_DAYS, ReportFigures, render_figures
from brickyard.reporting.inputs import MAX_REJECT_SAMPLE, ReportInputs
from brickyard.reporting.summary import build_summary

TEMPLATE = "report.html.j2"
_MISSING = "—"


def render_html(inputs: ReportInputs) -> str:
    """The HTML page of a report, figures included."""
    figures = render_figures(inputs)
    summary = build_summary(inputs)
    try:
        template = _environment().get_template(TEMPLATE)
    except jinja2.TemplateNotFound as error:
        raise ReportError(
            f"the report template {TEMPLATE!r} is missing from the brickyard.reporting "
            "package (templates/); reinstall brickyard-reporting"
        ) from error
    return template.render(_context(inputs, summary, figures))


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _template_source(name: str) -> str | None:
    source = resources.files("brickyard.reporting") / "templates" / name
    return source.read_text(encoding="utf-8") if source.is_file() else None


def _context(
    inputs: ReportInputs, summary: dict[str, Any], figures: ReportFigures
) -> dict[str, Any]:
    unit = inputs.unit
    headline = summary["headline"]
    quality = summary["data_quality"]
    return {
        "title": inputs.title,
        "as_of": summary["as_of"],
        "dataset": inputs.dataset,
        "coverage": summary["predictions"],
        "latest": [
            {
                "entity": row["entity"],
                "time": row["time"],
                "predicted": _value(row["predicted"], unit),
                "baseline": _value(row["baseline"], unit),
            }
            for row in summary["latest_forecast"]
        ],
        "headline": {
            "model_mae": _value(headline["model_mae"], unit),
            "baseline_mae": _value(headline["baseline_mae"], unit),
            "improvement": _percent(headline["mae_improvement_pct"]),
            "verdict": _verdict(headline["mae_improvement_pct"]),
            "explanation": _explanation(headline["mae_improvement_pct"]),
        },
        "metrics": _metric_rows(summary),
        "figures": _figure_entries(inputs, figures),
        "quality": {
            "dataset": quality["dataset"],
            "read": f"{quality['read']:,}",
            "accepted": f"{quality['accepted']:,}",
            "rejected": f"{quality['rejected']:,}",
            "reject_rate": f"{quality['reject_rate'] * 100:.2f} %",
            "reasons": [
                (reason, f"{count:,}")
                for reason, count in sorted(
                    quality["rejects_by_reason"].items(), key=lambda item: (-item[1], item[0])
                )
            ],
            "sample": quality["rejects_sample"],
            "sample_note": (
                f"Showing {len(quality['rejects_sample'])} of {quality['rejected']:,} rejected "
                f"rows (at most {MAX_REJECT_SAMPLE}); line numbers refer to the source file."
            ),
        },
        "provenance": list(summary["provenance"].items()),
    }


def _metric_rows(summary: dict[str, Any]) -> list[dict[str, str]]:
    model = summary["metrics"]["model"]
    baseline = summary["metrics"]["baseline"]
    improvements = summary["improvement_over_baseline_pct"]
    names = list(model) + [name for name in baseline if name not in model]
    return [
        {
            "name": name,
            "model": _number(model.get(name)),
            "baseline": _number(baseline.get(name)),
            "improvement": _percent(improvements.get(name)),
            "verdict": _verdict(improvements.get(name)),
        }
        for name in names
    ]


def _figure_entries(inputs: ReportInputs, figures: ReportFigures) -> list[dict[str, str]]:
    series = "several entities" if inputs.has_entities else "the series"
    return [
        {
            "key": "forecast",
            "src": _data_uri(figures.forecast),
            "alt": "Line chart of actual, model-predicted and baseline values over time",
            "caption": (
                f"Actual values, model predictions and the persistence baseline for {series}; "
                "dots mark days not observed yet, the dotted line the as-of day."
            ),
        },
        {
            "key": "error",
            "src": _data_uri(figures.error),
            "alt": "Line chart of the absolute error of model and baseline over time",
            "caption": (
                f"Absolute error of model and baseline per day (thin) and its {ROLLING_DAYS}-day "
                "rolling mean (bold); lower is better."
            ),
        },
        {
            "key": "importance",
            "src": _data_uri(figures.importance),
            "alt": "Horizontal bar chart of feature importance, most important first",
            "caption": "Feature importance reported by the model, most important first.",
        },
        {
            "key": "quality",
            "src": _data_uri(figures.quality),
            "alt": "Bar charts of accepted and rejected rows and of rejected rows by reason",
            "caption": "Rows accepted and rejected at ingest, and why rows were rejected.",
        },
    ]


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _value(value: float | None, unit: str) -> str:
    return _MISSING if value is None else f"{value:.2f} {unit}".rstrip()


def _number(value: float | None) -> str:
    return _MISSING if value is None else f"{value:.3f}"


def _percent(value: float | None) -> str:
    return _MISSING if value is None else f"{value:+.1f} %"


def _verdict(improvement: float | None) -> str:
    if improvement is None or improvement == 0:
        return ""
    return "better" if improvement > 0 else "worse"


def _explanation(improvement: float | None) -> str:
    if improvement is None:
        return "not defined: the baseline MAE is 0"
    if improvement == 0:
        return "same MAE as the baseline"
    direction = "lower" if improvement > 0 else "higher"
    return f"model MAE is {abs(improvement):.1f} % {direction} than the baseline's"
