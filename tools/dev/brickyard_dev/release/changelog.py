"""Changelog sections, one per release, written from the commits that touched the library."""

from __future__ import annotations

from collections.abc import Mapping

from brickyard_dev.release.planning import LibraryRelease
from brickyard_dev.release.versions import Commit

_GROUPS = (
    ("Breaking changes", lambda commit: commit.breaking),
    ("Features", lambda commit: commit.kind == "feat"),
    ("Fixes", lambda commit: commit.kind in ("fix", "perf")),
    ("Other changes", lambda commit: True),
)


def render_section(release: LibraryRelease, date: str, new_versions: Mapping[str, str]) -> str:
    """The section for one release; `new_versions` maps library names to released versions."""
    lines = [
        f"## {release.next_version} ({date})",
        "",
        f"Tag `{release.tag}`: {release.bump} release, {release.reason}.",
        "",
    ]
    if release.because_of:
        uses = ", ".join(f"{name} {new_versions[name]}" for name in release.because_of)
        lines += [f"Requires the new releases of the libraries it uses: {uses}.", ""]
    remaining: list[Commit] = list(release.commits)
    for title, belongs in _GROUPS:
        group = [commit for commit in remaining if belongs(commit)]
        if not group:
            continue
        remaining = [commit for commit in remaining if commit not in group]
        lines += [f"### {title}", ""]
        lines += [f"- {commit.subject} ({commit.sha[:10]})" for commit in group]
        lines.append("")
    return "\n".join(lines)


def header(distribution: str) -> str:
    return (
        f"# Changelog: {distribution}\n\n"
        f"Every release of `{distribution}`, newest first. Sections are written by\n"
        "`./pants run tools/dev -- release --apply` from the commits that touched the\n"
        "library; edit them freely before pushing the release commit.\n"
    )


def prepend_section(existing: str | None, distribution: str, section: str) -> str:
    """`existing` changelog text (None: no file yet) with `section` above the older releases."""
    text = existing if existing is not None else header(distribution)
    lines = text.splitlines(keepends=True)
    first_release = next(
        (index for index, line in enumerate(lines) if line.startswith("## ")), len(lines)
    )
    before = "".join(lines[:first_release]).rstrip("\n") + "\n\n"
    after = "".join(lines[first_release:])
    return before + section.rstrip("\n") + "\n" + ("\n" + after if after else "")
