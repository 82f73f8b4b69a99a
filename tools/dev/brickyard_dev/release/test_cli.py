from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from brickyard_dev.cli import main
from brickyard_dev.release.conftest import FakePants, git, source_dir
from brickyard_dev.release.gitrepo import GitRepo

Commit = Callable[[Mapping[str, str], str], str]


def test_dry_run_prints_the_plan_and_changes_nothing(
    scratch_repo: Path,
    fake_pants: FakePants,
    tag_all: Callable[[], None],
    commit: Commit,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tag_all()
    commit({f"{source_dir('models')}/core.py": "M = 1\n"}, "feat: intervals")
    head = git(scratch_repo, "rev-parse", "HEAD")

    assert main(["--root", str(scratch_repo), "release"], run_pants=fake_pants) == 0

    out = capsys.readouterr().out
    table = out.splitlines()[:3]
    # Columns are padded to the longest name, so compare words, then the alignment.
    assert [" ".join(line.split()) for line in table] == [
        "library version bump why",
        "brickyard-models 0.1.0 -> 0.2.0 minor changed since models/v0.1.0 (1 commit)",
        "brickyard-jobs 0.1.0 -> 0.1.1 patch uses models",
    ]
    assert table[0].index("version") == table[1].index("0.1.0") == table[2].index("0.1.0")
    assert "Dry run: nothing was written." in out
    assert git(scratch_repo, "rev-parse", "HEAD") == head
    assert GitRepo(scratch_repo).dirty_files() == []


def test_apply_with_forced_bump_commits_and_tags(
    scratch_repo: Path,
    fake_pants: FakePants,
    tag_all: Callable[[], None],
    commit: Commit,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tag_all()
    commit({f"{source_dir('features')}/core.py": "F = 1\n"}, "fix: lags")

    code = main(
        ["--root", str(scratch_repo), "release", "--bump", "major", "--apply"], run_pants=fake_pants
    )

    assert code == 0
    assert GitRepo(scratch_repo).tags_at_head() == ["features/v1.0.0"]
    assert "./pants run tools/dev -- release publish" in capsys.readouterr().out
    assert main(["--root", str(scratch_repo), "release"], run_pants=fake_pants) == 0
    assert "Nothing to release" in capsys.readouterr().out


def test_refusals_exit_1_with_the_reason(
    scratch_repo: Path, fake_pants: FakePants, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--root", str(scratch_repo), "release", "publish", "--no-package"], run_pants=fake_pants
    )
    assert code == 1
    assert "dev release: error: no library's release tag <library>/v<version> points at HEAD" in (
        capsys.readouterr().err
    )
    code = main(
        ["--root", str(scratch_repo), "release", "publish", "--no-package", "ingest"],
        run_pants=fake_pants,
    )
    assert code == 1
    assert "no wheel or sdist of brickyard-ingest 0.1.0 in" in capsys.readouterr().err


def test_bad_usage_exits_64_with_the_usage(
    scratch_repo: Path, fake_pants: FakePants, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--root", str(scratch_repo), "release", "--bump", "huge"], run_pants=fake_pants)
    assert code == 64
    err = capsys.readouterr().err
    assert err.startswith("usage: ./pants run tools/dev -- release [-h]")
    assert "argument --bump: invalid choice: 'huge'" in err
    assert fake_pants.calls == []
