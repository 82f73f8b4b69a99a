from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brickyard.core import ExitCode
from brickyard.jobs.cli import daily_main, pipeline_main


def json_log(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def test_an_output_that_cannot_be_written_ends_the_job_with_its_own_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A directory where the ingest step writes its Parquet file: the rename cannot happen.
    (tmp_path / "ingest" / "seattle_weather.parquet" / "in-the-way").mkdir(parents=True)

    code = daily_main(["--output-dir", str(tmp_path), "--log-format", "json"])

    assert code == ExitCode.CANT_CREATE
    errors = [entry for entry in json_log(capsys) if entry["level"] == "error"]
    assert len(errors) == 1
    assert errors[0]["exit_code"] == ExitCode.CANT_CREATE
    assert errors[0]["message"].startswith("daily failed: cannot write ")
    assert "seattle_weather.parquet" in errors[0]["message"]
    assert "exception" not in errors[0], "a known failure needs no traceback"


def test_a_bad_configuration_is_logged_once_in_the_format_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = pipeline_main(
        ["--output-dir", str(tmp_path), "--set", "model.max_iter=lots", "--log-format", "json"]
    )

    assert code == ExitCode.CONFIG
    (entry,) = json_log(capsys)
    assert entry["exit_code"] == ExitCode.CONFIG
    assert "model.max_iter (set in --set)" in entry["message"]
    assert list(tmp_path.iterdir()) == [], "a job refused by its configuration writes nothing"
