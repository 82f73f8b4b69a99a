from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from brickyard_dev.errors import DevError
from brickyard_dev.release.conftest import FakePants, git, source_dir
from brickyard_dev.release.gitrepo import GitRepo
from brickyard_dev.release.planning import LibraryRelease, plan_release
from brickyard_dev.release.versions import Bump
from brickyard_dev.workspace import Workspace

Commit = Callable[[Mapping[str, str], str], str]


def _plan(
    root: Path, pants: FakePants, since: str | None = None, bump: Bump | None = None
) -> list[LibraryRelease]:
    return plan_release(
        Workspace.at(root, pants).libraries(), GitRepo(root), since=since, forced_bump=bump
    )


def _summary(plan: list[LibraryRelease]) -> list[tuple[str, str, str]]:
    return [(r.library.name, r.next_version, r.reason) for r in plan]


def test_never_released_libraries_are_all_released_dependencies_first(
    scratch_repo: Path, fake_pants: FakePants
) -> None:
    plan = _plan(scratch_repo, fake_pants)
    # The initial commit is a feat: each library gets a minor bump.
    assert _summary(plan) == [
        ("features", "0.2.0", "never released (1 commit)"),
        ("ingest", "0.2.0", "never released (1 commit)"),
        ("models", "0.2.0", "never released (1 commit)"),
        ("jobs", "0.2.0", "never released (1 commit)"),
    ]
    assert plan[0].base is None
    assert fake_pants.calls == [["peek", "packages::"]]


def test_nothing_changed_since_the_tags_means_nothing_to_release(
    scratch_repo: Path, fake_pants: FakePants, tag_all: Callable[[], None], commit: Commit
) -> None:
    tag_all()
    assert _plan(scratch_repo, fake_pants) == []
    # Tests and the repository README are not part of any library's distribution.
    commit(
        {"packages/ingest/tests/test_core.py": "def test_more(): ...\n", "README.md": "# x\n"},
        "fix: tests only",
    )
    assert _plan(scratch_repo, fake_pants) == []


def test_a_change_releases_the_library_and_everything_that_uses_it(
    scratch_repo: Path, fake_pants: FakePants, tag_all: Callable[[], None], commit: Commit
) -> None:
    tag_all()
    commit({f"{source_dir('ingest')}/core.py": "NAME = 'ingest2'\n"}, "feat(ingest): read Avro")
    commit({f"{source_dir('ingest')}/extra.py": "X = 1\n"}, "fix: off by one")
    plan = _plan(scratch_repo, fake_pants)
    assert _summary(plan) == [
        ("ingest", "0.2.0", "changed since ingest/v0.1.0 (2 commits)"),
        ("models", "0.1.1", "uses ingest"),
        ("jobs", "0.1.1", "uses ingest"),
    ]
    assert [c.subject for c in plan[0].commits] == ["fix: off by one", "feat(ingest): read Avro"]
    assert plan[2].because_of == ("ingest",)
    assert plan[0].tag == "ingest/v0.2.0"


def test_breaking_change_is_major_and_dependents_with_own_changes_keep_theirs(
    scratch_repo: Path, fake_pants: FakePants, tag_all: Callable[[], None], commit: Commit
) -> None:
    tag_all()
    commit({f"{source_dir('ingest')}/core.py": "A = 1\n"}, "refactor!: rename read_table")
    commit({f"{source_dir('models')}/core.py": "B = 1\n"}, "feat: quantile models")
    commit({"packages/features/README.md": "# better docs\n"}, "docs: features readme")
    plan = _plan(scratch_repo, fake_pants)
    assert [(r.library.name, r.bump, r.next_version) for r in plan] == [
        ("features", Bump.PATCH, "0.1.1"),  # changed, but no feat/fix: at least a patch
        ("ingest", Bump.MAJOR, "1.0.0"),
        ("models", Bump.MINOR, "0.2.0"),
        ("jobs", Bump.PATCH, "0.1.1"),  # only uses changed libraries
    ]
    assert plan[3].because_of == ("ingest", "models")


def test_forced_bump_applies_to_changed_libraries_only(
    scratch_repo: Path, fake_pants: FakePants, tag_all: Callable[[], None], commit: Commit
) -> None:
    tag_all()
    commit({f"{source_dir('models')}/core.py": "B = 2\n"}, "fix: nan handling")
    plan = _plan(scratch_repo, fake_pants, bump=Bump.MAJOR)
    assert [(r.library.name, r.next_version) for r in plan] == [
        ("models", "1.0.0"),
        ("jobs", "0.1.1"),
    ]


def test_since_overrides_the_tags(
    scratch_repo: Path, fake_pants: FakePants, commit: Commit
) -> None:
    start = git(scratch_repo, "rev-parse", "HEAD").strip()
    commit({f"{source_dir('features')}/core.py": "C = 3\n"}, "fix: lag window")
    plan = _plan(scratch_repo, fake_pants, since=start)
    assert _summary(plan) == [("features", "0.1.1", f"changed since {start} (1 commit)")]
    with pytest.raises(DevError, match="--since 'no-such-ref' is not a commit"):
        _plan(scratch_repo, fake_pants, since="no-such-ref")


def test_deleting_a_module_is_a_change(
    scratch_repo: Path, fake_pants: FakePants, tag_all: Callable[[], None], commit: Commit
) -> None:
    commit({f"{source_dir('features')}/old.py": "OLD = 1\n"}, "feat: old module")
    tag_all()
    git(scratch_repo, "rm", "--quiet", f"{source_dir('features')}/old.py")
    git(scratch_repo, "commit", "--quiet", "--message", "feat!: remove old module")
    plan = _plan(scratch_repo, fake_pants)
    assert [(r.library.name, r.next_version) for r in plan] == [("features", "1.0.0")]
