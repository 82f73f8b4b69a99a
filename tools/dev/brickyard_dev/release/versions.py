"""Versions and how far a set of commits moves them (conventional commits)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from brickyard_dev.errors import DevError

_VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
# type(scope)!: description
_CONVENTIONAL = re.compile(r"(?P<type>[A-Za-z]+)(?:\([^)]*\))?(?P<breaking>!)?: \S")
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: ", re.MULTILINE)


class Bump(enum.IntEnum):
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    body: str = ""

    @property
    def kind(self) -> str | None:
        """The conventional-commit type (`feat`, `fix`, ...), None for other messages."""
        match = _CONVENTIONAL.match(self.subject)
        return match["type"].lower() if match else None

    @property
    def breaking(self) -> bool:
        match = _CONVENTIONAL.match(self.subject)
        return bool(match and match["breaking"]) or bool(_BREAKING_FOOTER.search(self.body))

    @property
    def bump(self) -> Bump | None:
        if self.breaking:
            return Bump.MAJOR
        if self.kind == "feat":
            return Bump.MINOR
        if self.kind in ("fix", "perf"):
            return Bump.PATCH
        return None


def parse_version(text: str) -> tuple[int, int, int]:
    match = _VERSION.fullmatch(text)
    if not match:
        raise DevError(
            f"version {text!r} is not MAJOR.MINOR.PATCH (e.g. 1.4.0); `release` bumps "
            "plain release versions only: fix the version= in the library's BUILD"
        )
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def bump_version(version: str, bump: Bump) -> str:
    major, minor, patch = parse_version(version)
    if bump is Bump.MAJOR:
        return f"{major + 1}.0.0"
    if bump is Bump.MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def bump_for_commits(commits: Iterable[Commit]) -> Bump | None:
    """The largest bump any commit asks for; None if none is a feat, fix, perf or breaking."""
    return max((bump for commit in commits if (bump := commit.bump) is not None), default=None)
