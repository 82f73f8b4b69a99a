"""The report's four figures, drawn with matplotlib's Agg renderer into PNG bytes.

Figures are built from ``matplotlib.figure.Figure`` directly, never through pyplot, so no
figure outlives its call and no global backend is switched. Style settings are applied
only while a figure is drawn (then restored), start from matplotlib's defaults rather than
the machine's matplotlibrc, and the PNG carries no Software tag: identical inputs give
byte-identical images. matplotlib's style settings are process-wide, so do not draw other
matplotlib figures in another thread while a report renders.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.dates as mdates
import matplotlib.style
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from brickyard.reporting.inputs import ENTITY_COLUMN, DataQuality, ReportInputs

DPI = 100
WIDTH_INCHES = 9.0
ROLLING_DAYS = 7
MAX_ENTITY_PANELS = 6
MAX_FEATURES = 20

_ACTUAL = "#222222"
_MODEL = "#1f77b4"
_BASELINE = "#ff7f0e"
_ACCEPTED = "#2ca02c"
_REJECTED = "#d62728"
_MARKER = "#888888"

_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "legend.fontsize": 8.0,
    # Feature and dataset names are data, not TeX: a "$" in one must not start mathtext.
    "text.parse_math": False,
}


@dataclass(frozen=True)
class ReportFigures:
    """The PNG bytes of each figure of a report."""

    forecast: bytes
    error: bytes
    importance: bytes
    quality: bytes


def render_figures(inputs: ReportInputs) -> ReportFigures:
    """Draw the four figures of a report."""
    frame = inputs.predictions.to_pandas(date_as_object=False)
    return ReportFigures(
        forecast=_render(
            lambda figure: _draw_forecast(figure, frame, inputs), _forecast_height(frame)
        ),
        error=_render(lambda figure: _draw_error(figure, frame, inputs.unit), 3.4),
        importance=_render(
            lambda figure: _draw_importance(figure, inputs.ranked_importance),
            1.2 + 0.28 * max(3, min(len(inputs.feature_importance), MAX_FEATURES)),
        ),
        quality=_render(lambda figure: _draw_quality(figure, inputs.quality), 3.2),
    )


def _render(draw: Callable[[Figure], None], height: float) -> bytes:
    with matplotlib.style.context(["default", _STYLE]):
        figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _entity_groups(frame: pd.DataFrame) -> list[tuple[str | None, pd.DataFrame]]:
    if ENTITY_COLUMN not in frame.columns:
        return [(None, frame)]
    return [(str(entity), group) for entity, group in frame.groupby(ENTITY_COLUMN, sort=True)]


def _forecast_height(frame: pd.DataFrame) -> float:
    panels = min(len(_entity_groups(frame)), MAX_ENTITY_PANELS)
    return 3.4 if panels == 1 else 0.8 + 2.2 * panels


def _draw_forecast(figure: Figure, frame: pd.DataFrame, inputs: ReportInputs) -> None:
    groups = _entity_groups(frame)
    shown = groups[:MAX_ENTITY_PANELS]
    axes = figure.subplots(len(shown), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (entity, group) in zip(axes, shown, strict=True):
        ax.plot(group["time"], group["actual"], color=_ACTUAL, linewidth=1.6, label="actual")
        ax.plot(group["time"], group["predicted"], color=_MODEL, linewidth=1.3, label="model")
        ax.plot(
            group["time"],
            group["baseline"],
            color=_BASELINE,
            linewidth=1.1,
            linestyle="--",
            label="baseline",
        )
        ahead = group[group["actual"].isna()]
        if not ahead.empty:
            ax.scatter(
                ahead["time"], ahead["predicted"], color=_MODEL, s=28, zorder=3, label="forecast"
            )
        ax.axvline(pd.Timestamp(inputs.as_of), color=_MARKER, linestyle=":", label="as of")
        ax.set_ylabel(_with_unit("value", inputs.unit))
        if entity is not None:
            ax.set_title(entity, loc="left", fontsize=9.0)
    _date_axis(axes[-1])
    figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=5)
    title = "Actual vs predicted"
    if len(groups) > len(shown):
        title += f" (first {len(shown)} of {len(groups)} entities)"
    figure.suptitle(title, fontweight="bold")


def _draw_error(figure: Figure, frame: pd.DataFrame, unit: str) -> None:
    ax = figure.subplots()
    scored = frame[frame["actual"].notna()]
    title = f"Absolute error over time ({ROLLING_DAYS}-day rolling mean in bold)"
    ax.set_title(title, fontweight="bold")
    if scored.empty:
        _note(ax, "No observed values yet: nothing to score.")
        return
    errors = pd.DataFrame(
        {
            "time": scored["time"],
            "model": (scored["predicted"] - scored["actual"]).abs(),
            "baseline": (scored["baseline"] - scored["actual"]).abs(),
        }
    )
    # Several entities are averaged per day so the figure stays one readable pair of lines.
    daily = errors.groupby("time", sort=True).mean()
    rolling = daily.rolling(f"{ROLLING_DAYS}D", min_periods=1).mean()
    for column, color, style in (("model", _MODEL, "-"), ("baseline", _BASELINE, "--")):
        ax.plot(daily.index, daily[column], color=color, linestyle=style, linewidth=0.9, alpha=0.4)
        ax.plot(
            rolling.index,
            rolling[column],
            color=color,
            linestyle=style,
            linewidth=2.0,
            label=f"{column} ({ROLLING_DAYS}-day mean)",
        )
    entities = frame[ENTITY_COLUMN].nunique() if ENTITY_COLUMN in frame.columns else 1
    label = "absolute error" + (f", mean of {entities} entities" if entities > 1 else "")
    ax.set_ylabel(_with_unit(label, unit))
    ax.set_ylim(bottom=0)
    _date_axis(ax)
    figure.legend(loc="outside lower center", ncols=2)


def _draw_importance(figure: Figure, ranked: list[tuple[str, float]]) -> None:
    ax = figure.subplots()
    shown = ranked[:MAX_FEATURES]
    title = "Feature importance"
    if len(ranked) > len(shown):
        title += f" (top {len(shown)} of {len(ranked)})"
    ax.set_title(title, fontweight="bold")
    if not shown:
        _note(ax, "The model reported no feature importance.")
        return
    names = [name for name, _ in shown]
    positions = list(range(len(shown)))
    ax.barh(positions, [value for _, value in shown], height=0.6, color=_MODEL)
    ax.set_yticks(positions, names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("importance")


def _draw_quality(figure: Figure, quality: DataQuality) -> None:
    counts_ax, reasons_ax = figure.subplots(1, 2, width_ratios=[1, 2])
    bars = counts_ax.bar(
        ["accepted", "rejected"],
        [quality.accepted_count, quality.rejected_count],
        color=[_ACCEPTED, _REJECTED],
    )
    counts_ax.bar_label(bars, labels=[f"{quality.accepted_count:,}", f"{quality.rejected_count:,}"])
    counts_ax.set_title(f"Rows read: {quality.read_count:,}", fontweight="bold")
    counts_ax.grid(axis="x", visible=False)
    counts_ax.margins(y=0.15)
    counts_ax.yaxis.set_major_locator(MaxNLocator(integer=True))

    reasons_ax.set_title("Rejected rows by reason", fontweight="bold")
    reasons = sorted(quality.rejects_by_reason.items(), key=lambda item: (-item[1], item[0]))
    if not reasons:
        _note(reasons_ax, "No rows were rejected.")
        return
    positions = list(range(len(reasons)))
    reason_bars = reasons_ax.barh(
        positions, [count for _, count in reasons], height=0.6, color=_REJECTED
    )
    reasons_ax.set_yticks(positions, [reason for reason, _ in reasons])
    reasons_ax.bar_label(reason_bars, labels=[f"{count:,}" for _, count in reasons], padding=3)
    reasons_ax.invert_yaxis()
    reasons_ax.grid(axis="y", visible=False)
    reasons_ax.margins(x=0.12)
    reasons_ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _date_axis(ax: Axes) -> None:
    # matplotlib's bundled stubs leave these two constructors unannotated.
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _note(ax: Axes, message: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=_MARKER)


def _with_unit(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label
