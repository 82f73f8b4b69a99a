"""Environment faults a scheduler meets, reproduced for real, at every step that writes.

A full disk and a read-only filesystem are real tmpfs mounts (CI runs as root) placed where
one step writes: the ingest outputs, the models, the day's report. Each fault must end the
job with its sysexits code and one log line naming the path and what to do, leave the
previous outputs byte for byte as they were, and leave no temporary file behind. So must a
missing source, an output directory that cannot be created, a read-only $TMPDIR (where
DuckDB spills), and a model directory someone tampered with.

One good run (module-scoped) makes the previous outputs every fault starts from; the jobs run
in this process, on a small slice of the sample and small model settings.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from filesystem_faults import FILLER, fill, remount_read_only, tmpfs

from brickyard.core import ExitCode
from brickyard.ingest import seattle_weather_path
from brickyard.jobs.cli import daily_main, pipeline_main

AS_OF = "2012-07-18"
SMALL_MODEL = [
    *("--set", "model.max_iter=10"),
    *("--set", "backtest.n_splits=1"),
    *("--set", "backtest.test_days=30"),
]
ADVICE = {
    "full": "No space left on device; free space there (or point the output elsewhere)",
    "read-only": "Read-only file system; the filesystem is mounted read-only: remount it",
}


@dataclass(frozen=True)
class Sources:
    up_to_as_of: Path  # the sample up to and including AS_OF
    one_more_day: Path  # and the day after: an ingest with something to write


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    root = tmp_path_factory.mktemp("sources")
    with seattle_weather_path() as sample:
        header, *days = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    known = [line for line in days if line[:10].replace("/", "-") <= AS_OF]
    up_to, more = root / "weather.csv", root / "weather-more.csv"
    up_to.write_text("".join([header, *known]), encoding="utf-8")
    more.write_text("".join([header, *known, days[len(known)]]), encoding="utf-8")
    return Sources(up_to, more)


def run(job: Any, output_dir: Path, source: Path, *extra: str) -> int:
    code: int = job(
        [
            *("--output-dir", str(output_dir), "--as-of", AS_OF),
            *("--set", f"dataset.source={source}"),
            *SMALL_MODEL,
            *extra,
        ]
    )
    return code


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory, sources: Sources) -> Path:
    """The outputs of a good run, which every fault must leave as they are."""
    output_dir = tmp_path_factory.mktemp("previous") / "out"
    assert run(pipeline_main, output_dir, sources.up_to_as_of) == ExitCode.OK
    return output_dir


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every entry below `directory` (None for a directory), but the filler of a full disk."""
    return {
        str(path.relative_to(directory)): None if path.is_dir() else path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.name != FILLER
    }


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The job's log must hold exactly one error line, and no traceback."""
    return _error_and_last_step(capsys)[0]


def _error_and_last_step(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """The one error line of the job's log, and the step it was in."""
    log = capsys.readouterr().err
    assert "Traceback" not in log
    errors = [line for line in log.splitlines() if " ERROR " in line]
    assert len(errors) == 1, log
    started = [line for line in log.splitlines() if line.endswith(" ...")]
    step = started[-1].split(": ", 1)[1].removesuffix(" ...") if started else ""
    return errors[0].split(" ERROR ", 1)[1], step


@contextmanager
def faulty(output_dir: Path, name: str, fault: str) -> Iterator[Path]:
    """`output_dir/name` moved onto a small tmpfs of its own, then made full or read-only."""
    place = output_dir / name
    kept = output_dir.parent / f"{name}.kept"
    place.rename(kept)
    with tmpfs(place, size="8m") as mounted:
        shutil.copytree(kept, mounted, dirs_exist_ok=True)
        if fault == "full":
            fill(mounted)
        else:
            remount_read_only(mounted)
        yield mounted


@pytest.mark.parametrize("fault", ["full", "read-only"])
@pytest.mark.parametrize(
    ("directory", "step"),
    [("ingest", "ingest"), ("models", "train and backtest"), ("runs", "report")],
)
def test_a_fault_at_a_step_that_writes_changes_nothing(
    tmp_path: Path,
    previous: Path,
    sources: Sources,
    capsys: pytest.CaptureFixture[str],
    directory: str,
    step: str,
    fault: str,
) -> None:
    output_dir = tmp_path / "out"
    shutil.copytree(previous, output_dir)
    # Only a source with a new day gives the ingest step something to write.
    source = sources.one_more_day if directory == "ingest" else sources.up_to_as_of
    capsys.readouterr()
    with faulty(output_dir, directory, fault) as mounted:
        before = snapshot(mounted)

        code = run(pipeline_main, output_dir, source)

        line, failed_in = _error_and_last_step(capsys)
        assert code == (ExitCode.IO_ERROR if fault == "full" else ExitCode.CANT_CREATE)
        assert failed_in == step
        assert line.startswith(f"pipeline failed: cannot write {mounted}/"), line
        assert ADVICE[fault] in line
        assert snapshot(mounted) == before, "the previous outputs changed, or a temporary stayed"


def test_a_full_disk_at_the_start_is_the_lock_that_cannot_be_written(
    tmp_path: Path, sources: Sources, capsys: pytest.CaptureFixture[str]
) -> None:
    with tmpfs(tmp_path / "out", size="64k") as output_dir:
        fill(output_dir)

        code = run(pipeline_main, output_dir, sources.up_to_as_of)

        line = one_error_line(capsys)
        assert code == ExitCode.IO_ERROR
        lock = output_dir / ".locks" / f"pipeline-{AS_OF}.lock"
        assert line.startswith(f"pipeline failed: cannot write {lock}: No space left on device")


def test_a_read_only_output_directory_is_refused_before_anything_runs(
    tmp_path: Path, sources: Sources, capsys: pytest.CaptureFixture[str]
) -> None:
    with tmpfs(tmp_path / "out", read_only=True) as output_dir:
        code = run(pipeline_main, output_dir, sources.up_to_as_of)

        line = one_error_line(capsys)
        assert code == ExitCode.CANT_CREATE
        assert line == (
            f"pipeline failed: cannot write {output_dir}/.locks/pipeline-{AS_OF}.lock: "
            "Read-only file system; the filesystem is mounted read-only: remount it "
            "read-write (or point the output elsewhere) and run again"
        )
        assert list(output_dir.iterdir()) == []


def test_an_output_directory_whose_parent_is_a_file_cannot_be_created(
    tmp_path: Path, sources: Sources, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data").write_text("a file where a directory should be")

    code = run(pipeline_main, tmp_path / "data" / "out", sources.up_to_as_of)

    line = one_error_line(capsys)
    assert code == ExitCode.CANT_CREATE
    assert line.startswith(f"pipeline failed: cannot write {tmp_path}/data/out/.locks/")
    assert "Not a directory; a part of the path is a file, not a directory" in line


def test_a_missing_source_is_no_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "not-delivered.csv.gz"

    code = run(pipeline_main, tmp_path / "out", missing)

    assert code == ExitCode.NO_INPUT
    assert one_error_line(capsys) == (
        f"pipeline failed: cannot read {missing}: No such file or directory; check the path, "
        "and that the file has been delivered"
    )
    assert not (tmp_path / "out" / "ingest").exists()


def test_a_read_only_temporary_directory_names_tmpdir(
    tmp_path: Path,
    sources: Sources,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with tmpfs(tmp_path / "tmp", read_only=True) as temporary:
        # What TMPDIR=<temporary> does to a new process.
        monkeypatch.setattr(tempfile, "tempdir", str(temporary))

        code = run(pipeline_main, tmp_path / "out", sources.up_to_as_of)

        line = one_error_line(capsys)
        assert code == ExitCode.CANT_CREATE
        assert line.startswith(f"pipeline failed: cannot write {temporary}/brickyard-ingest-*")
        assert "set TMPDIR to a writable directory with free space" in line


class _WritesAMarker:
    """Unpickling this creates the file `marker`: what an attacker's code would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def test_the_daily_job_refuses_a_tampered_model_and_runs_nothing(
    tmp_path: Path, previous: Path, sources: Sources, capsys: pytest.CaptureFixture[str]
) -> None:
    output_dir, marker = tmp_path / "out", tmp_path / "code-ran"
    shutil.copytree(previous, output_dir)
    models = output_dir / "models" / "temp_max"
    model_dir = models / json.loads((models / "current.json").read_text())["path"]
    # Someone who can write the model directory: a pickle in place of the estimator, and
    # its sha256 in the metadata.
    payload = pickle.dumps(_WritesAMarker(marker))
    (model_dir / "estimator.skops").write_bytes(payload)
    metadata = json.loads((model_dir / "metadata.json").read_text())
    metadata["estimator"]["sha256"] = hashlib.sha256(payload).hexdigest()
    (model_dir / "metadata.json").write_text(json.dumps(metadata))
    capsys.readouterr()

    code = run(daily_main, output_dir, sources.up_to_as_of)

    line = one_error_line(capsys)
    assert code == ExitCode.DATA
    assert line.startswith(f"daily failed: model '{metadata['name']}' at {model_dir}: ")
    assert "estimator.skops is not a skops file" in line
    assert not marker.exists(), "loading the model ran the attacker's code"
    report = Path("runs") / AS_OF / "report.html"
    assert (output_dir / report).read_bytes() == (previous / report).read_bytes()
