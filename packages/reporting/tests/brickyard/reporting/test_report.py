from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

import brickyard.reporting.report as report_module
from brickyard.core import ExitCode, WriteError
from brickyard.reporting import (
    ReportError,
    ReportInputs,
    ReportPaths,
    build_summary,
    write_report,
)


@pytest.fixture(scope="module")
def written(report_inputs: ReportInputs, tmp_path_factory: pytest.TempPathFactory) -> ReportPaths:
    return write_report(report_inputs, tmp_path_factory.mktemp("reports") / "daily" / "2024-06-29")


def test_writes_html_and_json_into_a_new_directory(
    written: ReportPaths, report_inputs: ReportInputs
) -> None:
    assert written.html.name == "report.html"
    assert written.json.name == "summary.json"
    assert written.html.parent == written.json.parent
    assert written.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert json.loads(written.json.read_text(encoding="utf-8")) == build_summary(report_inputs)
    assert sorted(p.name for p in written.html.parent.iterdir()) == ["report.html", "summary.json"]


def test_new_files_are_readable_by_others(written: ReportPaths) -> None:
    assert stat.S_IMODE(written.html.stat().st_mode) == 0o644
    assert stat.S_IMODE(written.json.stat().st_mode) == 0o644


def test_same_inputs_give_byte_identical_files(
    written: ReportPaths, report_inputs: ReportInputs, tmp_path: Path
) -> None:
    again = write_report(report_inputs, tmp_path)

    assert again.html.read_bytes() == written.html.read_bytes()
    assert again.json.read_bytes() == written.json.read_bytes()


@pytest.fixture
def previous(written: ReportPaths, tmp_path: Path) -> Path:
    """A directory holding the report of an earlier good run."""
    for path in (written.html, written.json):
        shutil.copy2(path, tmp_path / path.name)
    return tmp_path


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir()}


def test_rerun_replaces_the_previous_report(
    make_inputs: Callable[..., ReportInputs], previous: Path
) -> None:
    paths = write_report(make_inputs(title="Tuesday"), previous)

    assert "Tuesday" in paths.html.read_text(encoding="utf-8")
    assert json.loads(paths.json.read_text(encoding="utf-8"))["title"] == "Tuesday"
    assert sorted(_snapshot(previous)) == ["report.html", "summary.json"]


def test_files_that_belong_to_the_report_are_replaced_with_it(
    report_inputs: ReportInputs, previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (previous / "forecast.csv").write_text("old\n")
    before = _snapshot(previous)
    real_fsync = os.fsync
    calls: list[int] = []

    def fsync_failing_on_the_forecast(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync_failing_on_the_forecast)
    with pytest.raises(WriteError, match=r"forecast\.csv: No space left"):
        write_report(report_inputs, previous, also={"forecast.csv": "new\n"})
    assert _snapshot(previous) == before

    monkeypatch.setattr(os, "fsync", real_fsync)
    write_report(report_inputs, previous, also={"forecast.csv": "new\n"})
    assert (previous / "forecast.csv").read_text() == "new\n"


def test_rendering_failure_leaves_the_previous_report_untouched(
    report_inputs: ReportInputs, previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(previous)

    def broken(inputs: ReportInputs) -> str:
        raise RuntimeError("summary exploded")

    # The page renders, only the summary fails: writing the page first would show up here.
    monkeypatch.setattr(report_module, "render_html", lambda inputs: "<p>new page</p>")
    monkeypatch.setattr(report_module, "render_summary_json", broken)
    with pytest.raises(RuntimeError, match="summary exploded"):
        write_report(report_inputs, previous)

    assert _snapshot(previous) == before


def test_write_failure_leaves_the_previous_report_and_no_temp_files(
    report_inputs: ReportInputs, previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(previous)
    real_fsync = os.fsync
    calls: list[int] = []

    def fsync_failing_on_second_file(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(descriptor)

    monkeypatch.setattr(report_module, "render_html", lambda inputs: "<p>new page</p>")
    monkeypatch.setattr(os, "fsync", fsync_failing_on_second_file)
    with pytest.raises(WriteError, match=r"summary\.json: No space left") as raised:
        write_report(report_inputs, previous)
    assert raised.value.exit_code == ExitCode.IO_ERROR

    assert _snapshot(previous) == before


def test_output_path_that_is_a_file_raises(report_inputs: ReportInputs, tmp_path: Path) -> None:
    target = tmp_path / "report"
    target.write_text("not a directory", encoding="utf-8")

    with pytest.raises(ReportError, match="exists but is not a directory"):
        write_report(report_inputs, target)
