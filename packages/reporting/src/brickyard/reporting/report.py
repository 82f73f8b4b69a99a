"""Write a report's HTML page and JSON summary into a directory, atomically."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from brickyard.reporting.errors import ReportError
from brickyard.reporting.html import render_html
from brickyard.reporting.inputs import ReportInputs
from brickyard.reporting.summary import render_summary_json

HTML_NAME = "report.html"
JSON_NAME = "summary.json"
_NEW_FILE_MODE = 0o644


@dataclass(frozen=True)
class ReportPaths:
    """Where ``write_report`` put the two outputs."""

    html: Path
    json: Path


def write_report(inputs: ReportInputs, out_dir: str | os.PathLike[str]) -> ReportPaths:
    """Write ``report.html`` and ``summary.json`` into ``out_dir`` (created if missing).

    Both documents are rendered in memory first, then each is written to a temporary file
    in ``out_dir`` and flushed to disk; only when both are on disk are they moved over their
    targets with ``os.replace``, back to back. If rendering or writing fails, the previous
    report and summary are left untouched and no temporary file is left behind.
    """
    directory = Path(out_dir)
    if directory.exists() and not directory.is_dir():
        raise ReportError(
            f"report output directory {str(directory)!r} exists but is not a directory; "
            "pass a directory path"
        )
    html = render_html(inputs)
    summary = render_summary_json(inputs)
    directory.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(html=directory / HTML_NAME, json=directory / JSON_NAME)
    _replace_all({paths.html: html, paths.json: summary})
    return paths


def _replace_all(contents: Mapping[Path, str]) -> None:
    """Stage every file before replacing any, so a failed write changes no target."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, text in contents.items():
            handle, name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
            )
            staged.append((Path(name), target))
            with os.fdopen(handle, "wb") as stream:
                stream.write(text.encode("utf-8"))
                stream.flush()
                os.fsync(stream.fileno())
            # mkstemp creates files readable by the owner only; a report is meant to be shared.
            os.chmod(name, _mode_for(target))
        for temporary, target in staged:
            os.replace(temporary, target)
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for parent in {target.parent for target in contents}:
        _fsync_directory(parent)


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return _NEW_FILE_MODE


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk too (POSIX only).
    if not hasattr(os, "O_DIRECTORY"):
        return
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
