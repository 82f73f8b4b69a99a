from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from brickyard_dev.errors import DevError
from brickyard_dev.release.applying import apply_release, set_build_version
from brickyard_dev.release.conftest import FakePants, git, source_dir
from brickyard_dev.release.gitrepo import GitRepo
from brickyard_dev.release.planning import plan_release
from brickyard_dev.workspace import Workspace

Commit = Callable[[Mapping[str, str], str], str]


def test_apply_bumps_writes_changelogs_commits_and_tags(
    scratch_repo: Path, fake_pants: FakePants, tag_all: Callable[[], None], commit: Commit
) -> None:
    tag_all()
    commit({f"{source_dir('ingest')}/core.py": "NAME = 2\n"}, "fix(ingest): keep header")
    repo = GitRepo(scratch_repo)
    plan = plan_release(Workspace.at(scratch_repo, fake_pants).libraries(), repo)

    applied = apply_release(plan, repo)

    assert applied.tags == ("ingest/v0.1.1", "models/v0.1.1", "jobs/v0.1.1")
    assert sorted(repo.tags_at_head()) == sorted(applied.tags)
    assert repo.dirty_files() == []
    assert 'version="0.1.1"' in (scratch_repo / source_dir("ingest") / "BUILD").read_text()
    assert 'version="0.1.0"' in (scratch_repo / source_dir("features") / "BUILD").read_text()
    changelog = (scratch_repo / "packages/ingest/CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog: brickyard-ingest\n")
    assert "## 0.1.1 (" in changelog
    assert "- fix(ingest): keep header (" in changelog
    jobs_changelog = (scratch_repo / "packages/jobs/CHANGELOG.md").read_text()
    assert "Requires the new releases of the libraries it uses: ingest 0.1.1." in jobs_changelog
    subject = git(scratch_repo, "log", "-1", "--format=%s").strip()
    assert (
        subject == "release: brickyard-ingest 0.1.1, brickyard-models 0.1.1, brickyard-jobs 0.1.1"
    )
    changed = git(scratch_repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == sorted(
        [f"{source_dir(name)}/BUILD" for name in ("ingest", "models", "jobs")]
        + [f"packages/{name}/CHANGELOG.md" for name in ("ingest", "models", "jobs")]
    )
    # Released: the next plan starts from the new tags and finds nothing.
    assert plan_release(Workspace.at(scratch_repo, fake_pants).libraries(), repo) == []


def test_apply_refuses_uncommitted_changes_and_writes_nothing(
    scratch_repo: Path, fake_pants: FakePants
) -> None:
    repo = GitRepo(scratch_repo)
    plan = plan_release(Workspace.at(scratch_repo, fake_pants).libraries(), repo)
    (scratch_repo / "README.md").write_text("# local edit\n")
    with pytest.raises(DevError, match="uncommitted changes to tracked files.*README.md"):
        apply_release(plan, repo)
    assert repo.dirty_files() == ["README.md"]
    assert repo.tags_at_head() == []


def test_apply_refuses_an_existing_tag(scratch_repo: Path, fake_pants: FakePants) -> None:
    repo = GitRepo(scratch_repo)
    plan = plan_release(Workspace.at(scratch_repo, fake_pants).libraries(), repo)
    git(scratch_repo, "tag", "-a", "ingest/v0.2.0", "-m", "released elsewhere", "HEAD")
    git(scratch_repo, "commit", "--quiet", "--allow-empty", "-m", "chore: later")
    with pytest.raises(DevError, match="tags already exist: ingest/v0.2.0"):
        apply_release(plan, repo)
    assert repo.dirty_files() == []


def test_set_build_version_needs_exactly_one_literal() -> None:
    build = 'brickyard_library(\n    name="x",\n    version="1.2.3",\n)\n'
    assert 'version="1.3.0"' in set_build_version(build, "1.2.3", "1.3.0", "x/BUILD")
    with pytest.raises(DevError, match=r'x/BUILD must contain version="9.9.9" exactly once'):
        set_build_version(build, "9.9.9", "9.9.10", "x/BUILD")
    twice = build + 'other(version="1.2.3")\n'
    with pytest.raises(DevError, match="found it 2 times"):
        set_build_version(twice, "1.2.3", "1.3.0", "x/BUILD")
