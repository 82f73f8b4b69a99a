from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from brickyard_schedules.cli import main


@pytest.fixture
def repo_copy(repo_root: Path, tmp_path: Path) -> Path:
    """The parts of the repository the tool reads, copied so a test may change them."""
    for relative in ["packages/jobs/BUILD", "shared-config/schedules.toml"]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(repo_root / relative, tmp_path / relative)
    (tmp_path / "pants.toml").touch()  # marks the root the CLI looks for
    shutil.copytree(repo_root / "shared-config/deploy", tmp_path / "shared-config/deploy")
    return tmp_path


def test_committed_files_are_up_to_date(repo_root: Path) -> None:
    assert main(["generate", "--check", "--root", str(repo_root)]) == 0


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

    assert main(["generate", "--check", "--root", str(repo_copy)]) == 1
    output = capsys.readouterr().out
    assert f"out of date: {timer}" in output
    assert "stale file(s)" in output
    assert timer.read_text(encoding="utf-8") == before

    assert main(["generate", "--root", str(repo_copy)]) == 0
    assert "OnCalendar=*-*-* 07:00:00 Europe/Amsterdam" in timer.read_text(encoding="utf-8")
    assert main(["generate", "--check", "--root", str(repo_copy)]) == 0


def test_an_invalid_manifest_fails_with_its_message(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = repo_copy / "shared-config/schedules.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("Europe/Amsterdam", "Mars/Olympus", 1),
        encoding="utf-8",
    )
    assert main(["validate", "--root", str(repo_copy)]) == 1
    error = capsys.readouterr().err
    assert "job 'daily', key 'timezone': unknown time zone 'Mars/Olympus'" in error


def test_root_is_found_from_the_working_directory(
    repo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo_copy / "shared-config/deploy")
    assert main(["generate", "--check"]) == 0
