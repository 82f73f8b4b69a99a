from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from brickyard_dev.cli import main
from brickyard_dev.schedules.conftest import committed_job_targets


@pytest.fixture
def repo_copy(repo_root: Path, tmp_path: Path) -> Path:
    """The parts of the repository the verb reads, copied so a test may change them."""
    manifest = tmp_path / "shared-config/schedules.toml"
    manifest.parent.mkdir(parents=True)
    shutil.copy(repo_root / "shared-config/schedules.toml", manifest)
    shutil.copytree(repo_root / "shared-config/deploy", tmp_path / "shared-config/deploy")
    (tmp_path / "pants.toml").touch()  # marks the root the CLI looks for
    return tmp_path


def _schedules(root: Path, *args: str) -> int:
    return main(["--root", str(root), "schedules", *args], run_pants=committed_job_targets())


def test_committed_files_are_up_to_date(repo_root: Path) -> None:
    assert _schedules(repo_root, "generate", "--check") == 0


def test_check_lists_stale_files_without_writing(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = repo_copy / "shared-config/schedules.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            'schedule = "0 6 * * *"', 'schedule = "0 7 * * *"'
        ),
        encoding="utf-8",
    )
    timer = repo_copy / "shared-config/deploy/systemd/brickyard-daily.timer"
    before = timer.read_text(encoding="utf-8")

    assert _schedules(repo_copy, "generate", "--check") == 1
    output = capsys.readouterr().out
    assert f"out of date: {timer}" in output
    assert "4 stale file(s); run: ./pants run tools/dev -- schedules generate" in output
    assert timer.read_text(encoding="utf-8") == before

    assert _schedules(repo_copy, "generate") == 0
    assert "OnCalendar=*-*-* 07:00:00 Europe/Amsterdam" in timer.read_text(encoding="utf-8")
    assert _schedules(repo_copy, "generate", "--check") == 0


def test_an_invalid_manifest_fails_with_its_message(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = repo_copy / "shared-config/schedules.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("Europe/Amsterdam", "Mars/Olympus", 1),
        encoding="utf-8",
    )
    assert _schedules(repo_copy, "validate") == 1
    error = capsys.readouterr().err
    assert "job 'daily', key 'timezone': unknown time zone 'Mars/Olympus'" in error


def test_a_target_pants_does_not_know_is_refused_naming_the_known_ones(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = repo_copy / "shared-config/schedules.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "packages/jobs:train", "packages/jobs:retrain"
        ),
        encoding="utf-8",
    )
    assert _schedules(repo_copy, "generate", "--check") == 1
    error = capsys.readouterr().err
    assert "job 'train', key 'target': unknown target 'packages/jobs:retrain'" in error
    assert "packages/jobs:daily, packages/jobs:daily-spark, packages/jobs:pipeline" in error


def test_root_is_found_from_the_working_directory(
    repo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo_copy / "shared-config/deploy")
    assert main(["schedules", "generate", "--check"], run_pants=committed_job_targets()) == 0
