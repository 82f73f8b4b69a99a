"""The main job end to end, as the README tells a newcomer to run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brickyard.core import ExitCode
from brickyard.jobs.cli import daily_main, pipeline_main, train_main


def test_pipeline_writes_report_and_summary_from_embedded_data(tmp_path: Path) -> None:
    assert pipeline_main(["--output-dir", str(tmp_path)]) == ExitCode.OK

    run_dir = tmp_path / "runs" / "2015-12-31"
    html = (run_dir / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 4
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["as_of"] == "2015-12-31"
    quality = summary["data_quality"]
    assert quality["read"] == 1461
    assert quality["read"] == quality["accepted"] + quality["rejected"]
    model_mae = summary["metrics"]["model"]["MAE"]
    baseline_mae = summary["metrics"]["baseline"]["MAE"]
    assert model_mae < baseline_mae, "the model must beat yesterday's temperature"
    forecast = (run_dir / "forecast.csv").read_text().splitlines()
    assert forecast[0] == "date,predicted,baseline"
    assert forecast[1].startswith("2016-01-01,")


def test_rerun_of_same_day_is_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        assert pipeline_main(["--output-dir", str(out), "--as-of", "2014-06-30"]) == ExitCode.OK
    for name in ("report.html", "summary.json", "forecast.csv"):
        a = (first / "runs" / "2014-06-30" / name).read_bytes()
        b = (second / "runs" / "2014-06-30" / name).read_bytes()
        assert a == b, f"{name} differs between identical runs"


def test_train_then_daily_replays_a_day(tmp_path: Path) -> None:
    out = ["--output-dir", str(tmp_path)]
    assert train_main([*out, "--as-of", "2015-06-30"]) == ExitCode.OK
    assert daily_main([*out, "--as-of", "2015-07-15"]) == ExitCode.OK
    summary = json.loads((tmp_path / "runs" / "2015-07-15" / "summary.json").read_text())
    assert summary["as_of"] == "2015-07-15"


def test_daily_refuses_a_model_trained_after_the_replayed_day(tmp_path: Path) -> None:
    out = ["--output-dir", str(tmp_path)]
    assert train_main([*out, "--as-of", "2015-06-30"]) == ExitCode.OK
    assert daily_main([*out, "--as-of", "2015-01-15"]) == ExitCode.DATA


def test_daily_without_model_says_to_train(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert daily_main(["--output-dir", str(tmp_path)]) == ExitCode.NO_INPUT
    assert "no trained model yet: run the train job" in capsys.readouterr().err


def test_day_without_data_yet_is_a_temporary_failure(tmp_path: Path) -> None:
    code = pipeline_main(["--output-dir", str(tmp_path), "--as-of", "2016-01-05"])
    assert code == ExitCode.TEMPORARY


def test_bad_usage_and_bad_config_have_their_own_codes(tmp_path: Path) -> None:
    out = ["--output-dir", str(tmp_path)]
    try:
        pipeline_main([*out, "--as-of", "31/12/2015"])
    except SystemExit as exit_:
        assert exit_.code == ExitCode.USAGE
    else:
        raise AssertionError("a malformed date must be a usage error")
    assert pipeline_main([*out, "--set", "model.max_iter=lots"]) == ExitCode.CONFIG
