"""The main job end to end, as the README tells a newcomer to run it.

One pipeline run on the full sample (module-scoped) for what needs its four years: the
count of rows read, and a model that beats yesterday's temperature. The other behaviours
run on a slice of the sample with small model settings.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from brickyard.core import ExitCode
from brickyard.ingest import seattle_weather_path
from brickyard.jobs.cli import daily_main, pipeline_main, train_main

SLICE_END = "2012-07-18"
SMALL_MODEL = [
    *("--set", "model.max_iter=10"),
    *("--set", "backtest.n_splits=1"),
    *("--set", "backtest.test_days=30"),
]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's first command: the pipeline on the embedded sample, default settings."""
    output_dir = tmp_path_factory.mktemp("full")
    assert pipeline_main(["--output-dir", str(output_dir)]) == ExitCode.OK
    return output_dir


@pytest.fixture(scope="module")
def small_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample up to and including SLICE_END."""
    with seattle_weather_path() as sample:
        header, *days = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    source = tmp_path_factory.mktemp("source") / "weather.csv"
    kept = [day for day in days if day[:10].replace("/", "-") <= SLICE_END]
    source.write_text("".join([header, *kept]), encoding="utf-8")
    return source


def run_small(main: Callable[[list[str]], int], output_dir: Path, as_of: str, source: Path) -> int:
    return main(
        [
            *("--output-dir", str(output_dir), "--as-of", as_of),
            *("--set", f"dataset.source={source}"),
            *SMALL_MODEL,
        ]
    )


def test_pipeline_writes_report_and_summary_from_embedded_data(full_run: Path) -> None:
    run_dir = full_run / "runs" / "2015-12-31"
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


def test_rerun_of_same_day_is_byte_identical(tmp_path: Path, small_source: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        assert run_small(pipeline_main, out, SLICE_END, small_source) == ExitCode.OK
    for name in ("report.html", "summary.json", "forecast.csv"):
        a = (first / "runs" / SLICE_END / name).read_bytes()
        b = (second / "runs" / SLICE_END / name).read_bytes()
        assert a == b, f"{name} differs between identical runs"


def test_train_then_daily_replays_a_day(tmp_path: Path, small_source: Path) -> None:
    assert run_small(train_main, tmp_path, "2012-06-30", small_source) == ExitCode.OK
    assert run_small(daily_main, tmp_path, "2012-07-15", small_source) == ExitCode.OK
    summary = json.loads((tmp_path / "runs" / "2012-07-15" / "summary.json").read_text())
    assert summary["as_of"] == "2012-07-15"


def test_daily_refuses_a_model_trained_after_the_replayed_day(
    tmp_path: Path, full_run: Path
) -> None:
    # The full run trained its model as of 2015-12-31.
    shutil.copytree(full_run / "models", tmp_path / "models")
    assert daily_main(["--output-dir", str(tmp_path), "--as-of", "2015-01-15"]) == ExitCode.DATA


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
