from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

import matplotlib
import matplotlib.image
import pyarrow as pa
import pytest

import brickyard.reporting.figures as figures_module
from brickyard.reporting import DataQuality, ReportFigures, ReportInputs, render_figures
from brickyard.reporting.figures import DPI, WIDTH_INCHES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NAMES = [field.name for field in dataclasses.fields(ReportFigures)]


@pytest.fixture(scope="module")
def figures(report_inputs: ReportInputs) -> ReportFigures:
    return render_figures(report_inputs)


@pytest.mark.parametrize("name", NAMES)
def test_each_figure_is_a_readable_png_of_the_report_width(
    figures: ReportFigures, name: str
) -> None:
    png = getattr(figures, name)

    assert png.startswith(PNG_SIGNATURE)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[1] == round(WIDTH_INCHES * DPI)
    # Several distinct colours: something was drawn, not an empty canvas.
    assert len({tuple(pixel) for pixel in pixels.reshape(-1, pixels.shape[2])[::97]}) > 3


def test_same_inputs_give_identical_pngs_whatever_the_callers_matplotlib_style(
    figures: ReportFigures, report_inputs: ReportInputs
) -> None:
    before = dict(matplotlib.rcParams)

    with matplotlib.rc_context({"font.size": 22.0, "axes.facecolor": "red", "lines.linewidth": 9}):
        again = render_figures(report_inputs)
        assert matplotlib.rcParams["axes.facecolor"] == "red"

    assert again == figures
    assert dict(matplotlib.rcParams) == before
    assert all(b"Software" not in getattr(figures, name) for name in NAMES)


def test_sparse_inputs_still_render(
    figures: ReportFigures,
    make_inputs: Callable[..., ReportInputs],
    make_quality: Callable[..., DataQuality],
    make_predictions: Callable[..., pa.Table],
) -> None:
    table = make_predictions()
    nothing_observed = table.set_column(1, "actual", pa.nulls(table.num_rows, pa.float64()))
    no_rejects = make_quality(
        read_count=5, accepted_count=5, rejected_count=0, rejects_by_reason={}, rejects_sample=[]
    )
    inputs = make_inputs(predictions=nothing_observed, feature_importance={}, quality=no_rejects)

    sparse = render_figures(inputs)

    for name in NAMES:
        png = getattr(sparse, name)
        assert png.startswith(PNG_SIGNATURE)
        assert png != getattr(figures, name)


def test_names_with_dollar_signs_are_drawn_as_text(
    make_inputs: Callable[..., ReportInputs],
) -> None:
    inputs = make_inputs(feature_importance={"price_$usd": 1.0, "$unclosed math": 0.5})

    assert render_figures(inputs).importance.startswith(PNG_SIGNATURE)


def test_many_entities_are_capped_to_a_readable_number_of_panels(
    make_inputs: Callable[..., ReportInputs],
    make_predictions: Callable[..., pa.Table],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A smaller cap keeps the test fast; the capping logic is the same.
    monkeypatch.setattr(figures_module, "MAX_ENTITY_PANELS", 2)
    inputs = make_inputs(predictions=make_predictions(("a", "b", "c")))

    png = render_figures(inputs).forecast
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")

    assert pixels.shape[0] == round((0.8 + 2.2 * 2) * DPI)
