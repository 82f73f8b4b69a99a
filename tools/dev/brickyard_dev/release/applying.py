"""Writing a planned release: versions in BUILD files, changelogs (all written or none), one
commit, one tag each."""

from __future__ import annotations

import re
from dataclasses import dataclass

from brickyard.core import atomic_files
from brickyard_dev.errors import DevError
from brickyard_dev.release.changelog import prepend_section, render_section
from brickyard_dev.release.gitrepo import GitRepo
from brickyard_dev.release.planning import LibraryRelease


@dataclass(frozen=True)
class AppliedRelease:
    commit: str
    tags: tuple[str, ...]


def set_build_version(text: str, old: str, new: str, build_file: str) -> str:
    """`text` of a BUILD file with its one `version="old"` replaced by `version="new"`."""
    pattern = re.compile(r"(\bversion\s*=\s*)([\"'])" + re.escape(old) + r"\2")
    found = len(pattern.findall(text))
    if found != 1:
        raise DevError(
            f'{build_file} must contain version="{old}" exactly once to be bumped, found it '
            f"{found} times: make the library's version= a plain string literal there"
        )
    return pattern.sub(lambda match: f"{match[1]}{match[2]}{new}{match[2]}", text)


def apply_release(plan: list[LibraryRelease], git: GitRepo) -> AppliedRelease:
    """Bump, write changelogs, commit and tag; refuses before writing anything if it cannot."""
    if not plan:
        raise DevError("nothing to release: no library changed since its last release tag")
    dirty = git.dirty_files()
    if dirty:
        raise DevError(
            "uncommitted changes to tracked files; commit or stash them first, a release "
            f"commit holds only the release: {', '.join(dirty)}"
        )
    taken = [release.tag for release in plan if git.tag_exists(release.tag)]
    if taken:
        raise DevError(
            f"tags already exist: {', '.join(taken)}; the version in BUILD is behind the "
            "released one: set it to the latest release and plan again"
        )

    date = git.head_date()
    new_versions = {release.library.name: release.next_version for release in plan}
    # Everything is computed before anything is written, so a refusal leaves no edits.
    contents: dict[str, str] = {}
    for release in plan:
        library = release.library
        build = git.root / library.build_file
        contents[library.build_file] = set_build_version(
            build.read_text(encoding="utf-8"),
            library.version,
            release.next_version,
            library.build_file,
        )
        changelog = git.root / library.changelog
        existing = changelog.read_text(encoding="utf-8") if changelog.is_file() else None
        section = render_section(release, date, new_versions)
        contents[library.changelog] = prepend_section(existing, library.distribution, section)
    with atomic_files() as stage:
        for relative, text in contents.items():
            stage(git.root / relative, text)

    subject = "release: " + ", ".join(
        f"{release.library.distribution} {release.next_version}" for release in plan
    )
    body = "\n".join(f"{release.tag}: {release.bump}, {release.reason}" for release in plan)
    commit = git.commit(sorted(contents), f"{subject}\n\n{body}\n")
    for release in plan:
        git.tag(release.tag, f"{release.library.distribution} {release.next_version}")
    return AppliedRelease(commit=commit, tags=tuple(release.tag for release in plan))
