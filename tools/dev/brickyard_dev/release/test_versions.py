from __future__ import annotations

import pytest

from brickyard_dev.errors import DevError
from brickyard_dev.release.versions import Bump, Commit, bump_for_commits, bump_version


@pytest.mark.parametrize(
    ("bump", "expected"),
    [(Bump.PATCH, "1.4.3"), (Bump.MINOR, "1.5.0"), (Bump.MAJOR, "2.0.0")],
)
def test_bump_resets_the_lower_parts(bump: Bump, expected: str) -> None:
    assert bump_version("1.4.2", bump) == expected


@pytest.mark.parametrize("version", ["1.0", "1.0.0rc1", "v1.0.0", "01.0.0"])
def test_only_plain_release_versions_are_bumped(version: str) -> None:
    with pytest.raises(DevError, match="MAJOR.MINOR.PATCH"):
        bump_version(version, Bump.PATCH)


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("feat: read Avro", "", Bump.MINOR),
        ("feat(ingest): read Avro", "", Bump.MINOR),
        ("fix: keep the header row", "", Bump.PATCH),
        ("perf: scan once", "", Bump.PATCH),
        ("feat!: drop Python 3.10", "", Bump.MAJOR),
        ("refactor(api)!: rename read_table", "", Bump.MAJOR),
        ("fix: quarantine path", "BREAKING CHANGE: rows move to rejects/", Bump.MAJOR),
        ("fix: quarantine path", "BREAKING-CHANGE: rows move", Bump.MAJOR),
        ("docs: explain contracts", "", None),
        ("chore: bump ruff", "", None),
        ("features: not a conventional type", "", None),
        ("Merge branch 'main'", "", None),
        ("fix:missing space", "", None),
    ],
)
def test_conventional_commits_decide_the_bump(
    subject: str, body: str, expected: Bump | None
) -> None:
    assert Commit("0" * 40, subject, body).bump == expected


def test_the_largest_bump_wins() -> None:
    commits = [Commit("a", "fix: one"), Commit("b", "feat: two"), Commit("c", "docs: three")]
    assert bump_for_commits(commits) is Bump.MINOR
    assert bump_for_commits([Commit("d", "docs: only docs")]) is None
    assert bump_for_commits([]) is None
