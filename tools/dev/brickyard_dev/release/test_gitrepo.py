from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from brickyard_dev.release.conftest import git
from brickyard_dev.release.gitrepo import GitRepo

Commit = Callable[[Mapping[str, str], str], str]


def test_last_tag_is_the_nearest_of_that_library(scratch_repo: Path, commit: Commit) -> None:
    repo = GitRepo(scratch_repo)
    assert repo.last_tag("ingest/v*") is None
    git(scratch_repo, "tag", "-a", "ingest/v0.1.0", "-m", "first")
    commit({"packages/ingest/README.md": "# changed\n"}, "docs: readme")
    git(scratch_repo, "tag", "-a", "ingest/v0.1.1", "-m", "second")
    git(scratch_repo, "tag", "-a", "features/v9.0.0", "-m", "another library")
    assert repo.last_tag("ingest/v*") == "ingest/v0.1.1"
    assert repo.last_tag("features/v*") == "features/v9.0.0"
    assert repo.last_tag("models/v*") is None


def test_commits_since_a_ref_touching_paths_newest_first(
    scratch_repo: Path, commit: Commit
) -> None:
    repo = GitRepo(scratch_repo)
    base = git(scratch_repo, "rev-parse", "HEAD").strip()
    first = commit({"packages/ingest/a.txt": "a"}, "fix: one")
    commit({"packages/features/b.txt": "b"}, "feat: elsewhere")
    third = commit({"packages/ingest/c.txt": "c"}, "feat!: three\n\nBREAKING CHANGE: it moved")
    commits = repo.commits(base, ["packages/ingest"])
    assert [c.sha for c in commits] == [third, first]
    assert commits[0].subject == "feat!: three"
    assert commits[0].body == "BREAKING CHANGE: it moved"
    # Without a base: the whole history of the paths, the initial commit included.
    assert len(repo.commits(None, ["packages/ingest"])) == 3


def test_changed_files_and_dirty_files(scratch_repo: Path, commit: Commit) -> None:
    repo = GitRepo(scratch_repo)
    base = git(scratch_repo, "rev-parse", "HEAD").strip()
    commit({"packages/models/src/brickyard/models/core.py": "NAME = 'm2'\n"}, "fix: m")
    assert repo.changed_files(base) == {"packages/models/src/brickyard/models/core.py"}
    assert repo.dirty_files() == []
    (scratch_repo / "untracked.txt").write_text("not ours")
    assert repo.dirty_files() == []
    (scratch_repo / "README.md").write_text("# edited\n")
    assert repo.dirty_files() == ["README.md"]
