"""Writing a planned release: versions in BUILD files, changelogs, one commit, one tag each."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from brickyard_release.changelog import prepend_section, render_section
from brickyard_release.errors import ReleaseError
from brickyard_release.gitrepo import GitRepo
from brickyard_release.planning import LibraryRelease


@dataclass(frozen=True)
class AppliedRelease:
    commit: str
    tags: tuple[str, ...]


def set_build_version(text: str, old: str, new: str, build_file: str) -> str:
    """`text` of a BUILD file with its one `version="old"` replaced by `version="new"`."""
    pattern = re.compile(r"(\bversion\s*=\s*)([\"'])" + re.escape(old) + r"\2")
    found = len(pattern.findall(text))
    if found != 1:
        raise ReleaseError(
            f'{build_file} must contain version="{old}" exactly once to be bumped, found it '
            f"{found} times: make the library's version= a plain string literal there"
        )
    return pattern.sub(lambda match: f"{match[1]}{match[2]}{new}{match[2]}", text)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, path)


def apply_release(plan: list[LibraryRelease], git: GitRepo) -> AppliedRelease:
    """Bump, write changelogs, commit and tag; refuses before writing anything if it cannot."""
    if not plan:
        raise ReleaseError("nothing to release: no library changed since its last release tag")
    dirty = git.dirty_files()
    if dirty:
        raise ReleaseError(
            "uncommitted changes to tracked files; commit or stash them first, a release "
            f"commit holds only the release: {', '.join(dirty)}"
        )
    taken = [release.tag for release in plan if git.tag_exists(release.tag)]
    if taken:
        raise ReleaseError(
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
    for relative, text in contents.items():
        _write_atomically(git.root / relative, text)

    subject = "release: " + ", ".join(
        f"{release.library.distribution} {release.next_version}" for release in plan
    )
    body = "\n".join(f"{release.tag}: {release.bump}, {release.reason}" for release in plan)
    commit = git.commit(sorted(contents), f"{subject}\n\n{body}\n")
    for release in plan:
        git.tag(release.tag, f"{release.library.distribution} {release.next_version}")
    return AppliedRelease(commit=commit, tags=tuple(release.tag for release in plan))
