"""Self-contained HTML reports and JSON summaries of a daily forecasting run.

Build a ``ReportInputs`` (predictions, model and baseline metrics, feature importance, the
ingest ``DataQuality`` and run provenance), then ``write_report(inputs, out_dir)`` writes
``report.html`` (figures embedded, no external resources) and ``summary.json``.
"""

from brickyard.reporting.errors import ReportError
from brickyard.reporting.figures import ReportFigures, render_figures
from brickyard.reporting.html import render_html
from brickyard.reporting.inputs import (
    MAX_REJECT_SAMPLE,
    REQUIRED_COLUMNS,
    DataQuality,
    ReportInputs,
)
from brickyard.reporting.metrics import report_metrics
from brickyard.reporting.report import ReportPaths, write_report
from brickyard.reporting.summary import build_summary, render_summary_json

__all__ = [
    "MAX_REJECT_SAMPLE",
    "REQUIRED_COLUMNS",
    "DataQuality",
    "ReportError",
    "ReportFigures",
    "ReportInputs",
    "ReportPaths",
    "build_summary",
    "render_figures",
    "render_html",
    "render_summary_json",
    "report_metrics",
    "write_report",
]
