"""Write a report's HTML page and JSON summary into a directory, atomically."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from brickyard.core import atomic_files
from brickyard.reporting.errors import ReportError
from brickyard.reporting.html import render_html
from brickyard.reporting.inputs import ReportInputs
from brickyard.reporting.summary import render_summary_json

HTML_NAME = "report.html"
JSON_NAME = "summary.json"


@dataclass(frozen=True)
class ReportPaths:
    """Where ``write_report`` put the two outputs."""

    html: Path
    json: Path


def write_report(
    inputs: ReportInputs,
    out_dir: str | os.PathLike[str],
    *,
    also: Mapping[str, str] | None = None,
) -> ReportPaths:
    """Write ``report.html`` and ``summary.json`` into ``out_dir`` (created if missing).

    Both documents are rendered in memory first, then replace their targets together
    (``brickyard.core.atomic_files``, mode 0644), with the files of `also` (name in
    ``out_dir`` -> text) that belong to the same report, such as a forecast. If rendering or
    writing fails, the previous files are left untouched and no temporary file is left
    behind; a failed write raises ``brickyard.core.WriteError`` naming the file.
    """
    directory = Path(out_dir)
    if directory.exists() and not directory.is_dir():
        raise ReportError(
            f"report output directory {str(directory)!r} exists but is not a directory; "
            "pass a directory path"
        )
    html = render_html(inputs)
    summary = render_summary_json(inputs)
    paths = ReportPaths(html=directory / HTML_NAME, json=directory / JSON_NAME)
    with atomic_files() as stage:
        stage(paths.html, html)
        stage(paths.json, summary)
        for name, text in (also or {}).items():
            stage(directory / name, text)
    return paths
