from __future__ import annotations

from brickyard_dev.release.changelog import header, prepend_section, render_section
from brickyard_dev.release.planning import LibraryRelease
from brickyard_dev.release.versions import Bump, Commit
from brickyard_dev.workspace import Library

_JOBS = Library(
    "jobs", "brickyard-jobs", "0.3.1", "p:dist", "p", "packages/jobs/README.md", frozenset()
)


def _release(commits: tuple[Commit, ...], because_of: tuple[str, ...] = ()) -> LibraryRelease:
    return LibraryRelease(
        library=_JOBS,
        base="jobs/v0.3.1",
        commits=commits,
        changed=bool(commits),
        because_of=because_of,
        bump=Bump.MAJOR if commits else Bump.PATCH,
        next_version="1.0.0" if commits else "0.3.2",
    )


def test_section_groups_commits_by_kind() -> None:
    commits = (
        Commit("c" * 40, "docs: runbook"),
        Commit("b" * 40, "fix: lock timeout"),
        Commit("a" * 40, "feat!: drop --legacy", "BREAKING CHANGE: gone"),
        Commit("9" * 40, "feat: --dry-run"),
    )
    assert render_section(_release(commits), "2026-01-05", {"jobs": "1.0.0"}) == (
        "## 1.0.0 (2026-01-05)\n"
        "\n"
        "Tag `jobs/v1.0.0`: major release, changed since jobs/v0.3.1 (4 commits).\n"
        "\n"
        "### Breaking changes\n\n- feat!: drop --legacy (aaaaaaaaaa)\n\n"
        "### Features\n\n- feat: --dry-run (9999999999)\n\n"
        "### Fixes\n\n- fix: lock timeout (bbbbbbbbbb)\n\n"
        "### Other changes\n\n- docs: runbook (cccccccccc)\n"
    )


def test_section_of_a_library_released_for_its_dependencies() -> None:
    section = render_section(
        _release((), because_of=("ingest", "models")),
        "2026-01-05",
        {"ingest": "0.4.0", "models": "1.2.1", "jobs": "0.3.2"},
    )
    assert "Tag `jobs/v0.3.2`: patch release, uses ingest, models." in section
    assert "Requires the new releases of the libraries it uses: ingest 0.4.0, models 1.2.1." in (
        section
    )


def test_new_sections_go_above_older_ones() -> None:
    first = prepend_section(None, "brickyard-jobs", "## 0.1.0 (2026-01-01)\n\nfirst\n")
    assert first.startswith(header("brickyard-jobs"))
    second = prepend_section(first, "brickyard-jobs", "## 0.2.0 (2026-01-02)\n\nsecond\n")
    assert second == (
        header("brickyard-jobs")
        + "\n## 0.2.0 (2026-01-02)\n\nsecond\n\n## 0.1.0 (2026-01-01)\n\nfirst\n"
    )
