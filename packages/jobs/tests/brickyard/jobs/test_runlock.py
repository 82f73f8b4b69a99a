from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from brickyard.core import ExitCode, WriteError
from brickyard.jobs.errors import AlreadyRunningError
from brickyard.jobs.runlock import exclusive, single_instance


def test_second_holder_is_refused_with_clear_message(tmp_path: Path) -> None:
    # flock locks belong to open file descriptions, so a second open() conflicts
    # exactly as a second process would.
    with (
        single_instance(tmp_path, "daily", "2015-12-31"),
        pytest.raises(AlreadyRunningError) as raised,
        single_instance(tmp_path, "daily", "2015-12-31"),
    ):
        pass
    assert "job 'daily' for as-of 2015-12-31 is already running" in str(raised.value)
    assert raised.value.exit_code == ExitCode.TEMPORARY


def test_other_dates_and_jobs_do_not_conflict(tmp_path: Path) -> None:
    with (
        single_instance(tmp_path, "daily", "2015-12-31"),
        single_instance(tmp_path, "daily", "2015-12-30"),
        single_instance(tmp_path, "train", "2015-12-31"),
    ):
        pass


def test_lock_is_released_when_holder_is_killed(tmp_path: Path) -> None:
    holder = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from brickyard.jobs.runlock import exclusive, single_instance
        with single_instance(Path({str(tmp_path)!r}), "daily", "2015-12-31"):
            print("locked", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    process = subprocess.run(
        [sys.executable, "-c", holder],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": ":".join(sys.path)},
    )
    assert "locked" in process.stdout
    assert process.returncode == -9
    with single_instance(tmp_path, "daily", "2015-12-31"):
        pass


def test_a_lock_that_cannot_be_created_is_a_write_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "locks").write_text("a file where the lock directory should be")
    with (
        pytest.raises(WriteError, match=r"cannot write .*locks/daily-2015-12-31\.lock") as raised,
        single_instance(tmp_path / "locks", "daily", "2015-12-31"),
    ):
        pass
    assert raised.value.exit_code == ExitCode.CANT_CREATE


def test_a_second_holder_waits_for_the_first_to_release(tmp_path: Path) -> None:
    lock, finished = tmp_path / "ingest-weather.lock", tmp_path / "finished"
    holder = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from brickyard.jobs.runlock import exclusive
        with exclusive(Path({str(lock)!r}), "an ingest of weather"):
            print("locked", flush=True)
            time.sleep(1)
            Path({str(finished)!r}).touch()
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", holder],
        stdout=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": ":".join(sys.path)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    with (
        pytest.raises(AlreadyRunningError, match="an ingest of weather is already running"),
        exclusive(lock, "an ingest of weather"),
    ):
        pass
    with exclusive(lock, "an ingest of weather", timeout_seconds=30):
        assert finished.exists(), "the lock was taken before its holder released it"
    assert process.wait() == 0
