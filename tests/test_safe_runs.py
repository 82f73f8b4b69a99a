"""What a scheduler relies on: kills leave good outputs, re-runs reproduce, runs never overlap."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from brickyard.core import ExitCode
from brickyard.jobs.cli import pipeline_main

AS_OF = "2014-06-30"
OUTPUTS = ("report.html", "summary.json", "forecast.csv")


def start_pipeline(
    output_dir: Path, *extra: str, as_of: str | None = AS_OF
) -> subprocess.Popen[str]:
    """The job as its own process, with a minimal environment, as a scheduler starts it;
    `as_of` None leaves --as-of out (the job runs for the latest day in the data)."""
    entry = f"from {pipeline_main.__module__} import {pipeline_main.__name__} as main"
    code = f"import sys; {entry}; sys.exit(main())"
    # Absolute: the test runner's sys.path holds source roots relative to its sandbox.
    python_path = os.pathsep.join(os.path.abspath(entry) for entry in sys.path)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": python_path}
    day = [] if as_of is None else ["--as-of", as_of]
    return subprocess.Popen(
        [sys.executable, "-c", code, "--output-dir", str(output_dir), *day, *extra],
        env=env,
        cwd="/",
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(process: subprocess.Popen[str], marker: str) -> str:
    assert process.stderr is not None
    seen = ""
    for line in process.stderr:
        seen += line
        if marker in line:
            return seen
    raise AssertionError(f"the job ended before logging {marker!r}:\n{seen}")


def outputs(output_dir: Path) -> dict[str, bytes]:
    run_dir = output_dir / "runs" / AS_OF
    return {name: (run_dir / name).read_bytes() for name in OUTPUTS}


def test_kill_9_keeps_previous_output_and_rerun_is_byte_identical(tmp_path: Path) -> None:
    uninterrupted = tmp_path / "uninterrupted"
    assert start_pipeline(uninterrupted).wait() == ExitCode.OK
    expected = outputs(uninterrupted)

    output_dir = tmp_path / "scheduled"
    shutil.copytree(uninterrupted, output_dir)
    (output_dir / "runs" / AS_OF / "summary.json").write_text('{"previous": "good run"}\n')
    previous = outputs(output_dir)

    victim = start_pipeline(output_dir)
    wait_for(victim, "step 3/5")  # mid-training: models and reports are being rewritten
    victim.send_signal(signal.SIGKILL)
    assert victim.wait() == -signal.SIGKILL
    assert outputs(output_dir) == previous, "a killed run must leave the previous output intact"
    leftovers = [p.name for p in (output_dir / "runs" / AS_OF).iterdir() if p.name not in OUTPUTS]
    assert leftovers == [], f"temporary files left behind: {leftovers}"

    assert start_pipeline(output_dir).wait() == ExitCode.OK
    assert outputs(output_dir) == expected, "the re-run must reproduce the uninterrupted run"


LATEST_DAY = "2015-12-31"  # of the sample the jobs read by default


@pytest.mark.parametrize(
    ("first_as_of", "second_as_of"),
    [(AS_OF, AS_OF), (None, LATEST_DAY), (LATEST_DAY, None)],
    ids=["both --as-of", "first latest, second --as-of", "first --as-of, second latest"],
)
def test_second_run_of_same_job_and_day_exits_75_while_first_holds_the_lock(
    tmp_path: Path, first_as_of: str | None, second_as_of: str | None
) -> None:
    first = start_pipeline(tmp_path, as_of=first_as_of)
    try:
        # By the training step the first run holds the lock of its day, whichever way that
        # day was given; stopped there, it holds it for as long as the second run needs.
        wait_for(first, "step 3/5")
        first.send_signal(signal.SIGSTOP)
        second = start_pipeline(tmp_path, as_of=second_as_of)
        _, errors = second.communicate(timeout=300)
        assert second.returncode == ExitCode.TEMPORARY, errors
        day = first_as_of or second_as_of
        refusals = [line for line in errors.splitlines() if " ERROR " in line]
        assert len(refusals) == 1
        assert f"job 'pipeline' for as-of {day} is already running (pid {first.pid}" in refusals[0]
    finally:
        first.kill()
        first.wait()
