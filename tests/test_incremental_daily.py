"""The daily job on consecutive days reads only the new rows, and reports what a full run would.

One module-scoped scenario on half a year of the embedded Seattle data, with defects: a
value out of range (quarantined on the first day, and kept), a date nobody can read (read
again by every run, listed once) and, on the second day, a repeated date. The jobs run in
this process with JSON logs, and small model settings keep them fast (the start of a job as
its own process, as a scheduler starts it, is tested in test_safe_runs.py). Every run uses
the same model, so the reports can be compared byte for byte.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from brickyard.core import ExitCode
from brickyard.ingest import seattle_weather_path
from brickyard.jobs.cli import daily_main, train_main

DAY, NEXT_DAY = "2012-06-29", "2012-06-30"
OUTPUTS = ("report.html", "summary.json", "forecast.csv")
DATASET = "seattle_weather"


def run_job(
    main: Callable[[list[str]], int], output_dir: Path, as_of: str, source: Path
) -> list[dict[str, Any]]:
    """Run the job of `main` in this process; return its JSON log entries."""
    options = [
        *("--output-dir", str(output_dir), "--as-of", as_of, "--log-format", "json"),
        *("--set", f"dataset.source={source}", "--set", "model.max_iter=10"),
        *("--set", "backtest.n_splits=1", "--set", "backtest.test_days=30"),
    ]
    log = io.StringIO()
    # The job logs to the standard error it finds when it starts.
    with contextlib.redirect_stderr(log):
        code = main(options)
    assert code == ExitCode.OK, log.getvalue()
    return [json.loads(line) for line in log.getvalue().splitlines()]


def ingest_entry(log: list[dict[str, Any]]) -> dict[str, Any]:
    """The log entry in which the ingest step says what it read."""
    return next(entry for entry in log if "total_read" in entry)


def ingest_report(output_dir: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(
        (output_dir / "ingest" / f"{DATASET}.ingest.json").read_text()
    )
    return report


@dataclass(frozen=True)
class Scenario:
    incremental: Path  # train and daily for DAY, then daily for NEXT_DAY once the source grew
    full: Path  # a fresh output directory, the same model: daily for NEXT_DAY
    first_day: list[dict[str, Any]]  # the JSON log of each daily run
    second_day: list[dict[str, Any]]
    full_run: list[dict[str, Any]]
    rows_added: int
    rows_in_all: int


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    root = tmp_path_factory.mktemp("daily")
    with seattle_weather_path() as sample:
        header, *days = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    known = [line for line in days if line < "2012/06/30"]  # up to and including DAY
    date, precipitation, _, *rest = known[40].split(",")
    known[40] = ",".join([date, precipitation, "99", *rest])  # temp_max out of range
    first = [header, *known[:100], "someday,0,10,5,3,sun\n", *known[100:]]
    next_day = next(line for line in days if line.startswith("2012/06/30"))
    added = [next_day, "2012/06/30,0,20,5,3,sun\n"]  # the day, and the same date again

    source = root / "weather.csv"
    source.write_text("".join(first), encoding="utf-8")
    incremental, full = root / "incremental", root / "full"
    run_job(train_main, incremental, DAY, source)
    first_day = run_job(daily_main, incremental, DAY, source)
    source.write_text("".join([*first, *added]), encoding="utf-8")
    second_day = run_job(daily_main, incremental, NEXT_DAY, source)

    shutil.copytree(incremental / "models", full / "models")
    full_run = run_job(daily_main, full, NEXT_DAY, source)
    return Scenario(
        incremental=incremental,
        full=full,
        first_day=first_day,
        second_day=second_day,
        full_run=full_run,
        rows_added=len(added),
        rows_in_all=len(first) - 1 + len(added),
    )


def test_the_second_day_reads_only_the_new_rows(scenario: Scenario) -> None:
    read = ingest_entry(scenario.second_day)
    # The new rows, and the one row whose date nobody can read: it is read on every run.
    assert read["read"] == scenario.rows_added + 1
    assert read["read_again"] == 1
    assert (read["watermark_before"], read["watermark_after"]) == (DAY, NEXT_DAY)
    assert read["total_read"] == scenario.rows_in_all
    report = ingest_report(scenario.incremental)
    assert report["read"] == read["read"]
    assert (report["watermark_before"], report["watermark_after"]) == (DAY, NEXT_DAY)
    assert report["total"]["read"] == scenario.rows_in_all
    # The first daily run found nothing new: the train job had read the source up to DAY.
    assert (
        ingest_entry(scenario.first_day)["read"] == ingest_entry(scenario.first_day)["read_again"]
    )


def test_outputs_equal_those_of_a_full_run_byte_for_byte(scenario: Scenario) -> None:
    assert ingest_entry(scenario.full_run)["read"] == scenario.rows_in_all
    for name in OUTPUTS:
        incremental = (scenario.incremental / "runs" / NEXT_DAY / name).read_bytes()
        full = (scenario.full / "runs" / NEXT_DAY / name).read_bytes()
        assert incremental == full, f"{name} differs from a full run's"


def test_the_quarantine_keeps_every_day_and_lists_each_row_once(scenario: Scenario) -> None:
    summary = json.loads((scenario.incremental / "runs" / NEXT_DAY / "summary.json").read_text())
    quality = summary["data_quality"]
    assert quality["read"] == scenario.rows_in_all
    assert quality["rejected"] == 3
    rejects = (scenario.incremental / "ingest" / f"{DATASET}.rejects.csv").read_text()
    assert [line.startswith('"someday"') for line in rejects.splitlines()].count(True) == 1
    assert "temp_max: 99 is above the maximum 60" in rejects  # from the first day
    assert "duplicate key" in rejects  # from the second
    assert rejects == (scenario.full / "ingest" / f"{DATASET}.rejects.csv").read_text()


def test_the_log_numbers_the_steps_and_the_score_step_scores(scenario: Scenario) -> None:
    messages = [entry["message"] for entry in scenario.second_day]
    started = [message for message in messages if message.endswith(" ...")]
    assert started == [
        "step 1/5: ingest ...",
        "step 2/5: features ...",
        "step 3/5: load the current model ...",
        "step 4/5: score ...",
        "step 5/5: report ...",
    ]
    scoring = messages[messages.index("step 4/5: score ...") + 1]
    assert scoring == "scored 91 rows"  # the 90 days of the report, and the forecast day
