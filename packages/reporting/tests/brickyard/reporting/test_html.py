from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser

import matplotlib.image
import pyarrow as pa
import pytest

from brickyard.reporting import DataQuality, ReportInputs, render_html

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DATA_URI = "data:image/png;base64,"


class _Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser.tags


@pytest.fixture(scope="module")
def page(report_inputs: ReportInputs) -> str:
    return render_html(report_inputs)


def test_page_loads_nothing_from_outside(page: str) -> None:
    elements = _elements(page)

    assert not [tag for tag, _ in elements if tag in {"script", "link", "iframe", "object"}]
    for tag, attributes in elements:
        for name in ("src", "href", "srcset", "action"):
            value = attributes.get(name)
            assert value is None or not re.match(r"\s*(https?:)?//", value), (tag, name, value)
    assert "@import" not in page
    assert "url(" not in page


def test_every_image_is_an_embedded_png_and_all_four_figures_are_there(page: str) -> None:
    elements = _elements(page)
    images = [attributes for tag, attributes in elements if tag == "img"]
    figures = [attributes["id"] for tag, attributes in elements if tag == "figure"]

    assert figures == [
        "figure-forecast",
        "figure-error",
        "figure-importance",
        "figure-quality",
    ]
    assert len(images) == 4
    for attributes in images:
        source = attributes["src"] or ""
        assert source.startswith(DATA_URI)
        assert attributes["alt"]
        try:
            png = base64.b64decode(source.removeprefix(DATA_URI), validate=True)
        except binascii.Error as error:
            pytest.fail(f"image source is not valid base64: {error}")
        assert png.startswith(PNG_SIGNATURE)
        assert matplotlib.image.imread(io.BytesIO(png), format="png").ndim == 3


def test_header_headline_and_metrics_table(page: str) -> None:
    assert "<title>Daily max temperature forecast | 2024-06-29</title>" in page
    assert "Forecast for 2024-06-30" in page
    assert "23.74 °C" in page
    assert "0.80 °C" in page and "baseline MAE 1.20 °C" in page
    assert "model MAE is 33.3 % lower than the baseline" in page
    metrics = page[
        page.index('id="metrics-table"') : page.index("</table>", page.index("metrics-table"))
    ]
    rows = re.findall(
        r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td><td class=\"num\">(.*?)</td>", metrics
    )
    assert rows == [
        ("MAE", "0.800", "1.200"),
        ("RMSE", "1.000", "1.600"),
        ("sMAPE", "4.000", "6.000"),
        ("R2", "0.900", "0.700"),
    ]
    assert "+37.5 %" in metrics


def test_data_quality_and_provenance_sections(page: str) -> None:
    quality = page[page.index('id="data-quality"') : page.index('id="provenance"')]
    assert re.search(
        r'<td class="num">100</td><td class="num">97</td><td class="num">3</td>', quality
    )
    assert "3.00 %" in quality
    assert "out_of_range: 99.0 &gt; 60" in quality
    assert "Showing 2 of 3 rejected rows" in quality
    provenance = page[page.index('id="provenance"') :]
    assert "gbm-2024.06.29" in provenance and "sha256:ab12" in provenance


def test_text_from_data_is_escaped(
    make_inputs: Callable[..., ReportInputs], make_quality: Callable[..., DataQuality]
) -> None:
    attack = '<script>alert("x")</script><img src="https://evil.example/x.png">'
    inputs = make_inputs(
        title=attack,
        dataset=attack,
        quality=make_quality(
            dataset=attack,
            rejects_by_reason={attack: 3},
            rejects_sample=[{"line": attack, "reason": attack}],
        ),
        run={attack: attack},
    )

    page = render_html(inputs)

    assert "<script" not in page
    assert "evil.example" in page
    assert not [a for tag, a in _elements(page) if tag == "img" and "evil" in (a["src"] or "")]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_several_entities_get_a_latest_forecast_table(
    make_inputs: Callable[..., ReportInputs], make_predictions: Callable[..., pa.Table]
) -> None:
    page = render_html(make_inputs(predictions=make_predictions(("Munich", "Berlin"))))

    table = page[page.index('id="latest-forecasts"') : page.index('id="metrics"')]
    assert table.index("Berlin") < table.index("Munich")
    assert "2 entities" in page


def test_page_shows_no_wall_clock_date(page: str) -> None:
    # Byte-identical reruns are checked on the written files in test_report.py.
    assert date.today().isoformat() not in page
