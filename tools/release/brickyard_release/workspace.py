"""The libraries and how they depend on each other, as Pants sees them.

One `./pants peek packages::` gives every target with its resolved dependencies (inferred
imports included), its sources and, for each `python_distribution`, the distribution name
and version: enough to know which files belong to which library and which library uses
which, with no hand-kept list to drift.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from brickyard_release.errors import ReleaseError

# Where the libraries live: peek only these, so a broken target elsewhere cannot stop a release.
LIBRARY_SPECS = ("packages::",)

PantsRunner = Callable[[Sequence[str]], str]


@dataclass(frozen=True)
class Library:
    name: str  # the directory name, e.g. "ingest"; tags are `<name>/v<version>`
    distribution: str  # e.g. "brickyard-ingest"
    version: str
    address: str  # the python_distribution target
    directory: str  # the BUILD directory of the python_distribution
    long_description_path: str | None
    files: frozenset[str]  # sources of its targets, its BUILD file and its README

    @property
    def build_file(self) -> str:
        return f"{self.directory}/BUILD"

    @property
    def changelog(self) -> str:
        beside = self.long_description_path or self.build_file
        return str(PurePosixPath(beside).parent / "CHANGELOG.md")

    @property
    def paths(self) -> tuple[str, ...]:
        """Pathspecs of the library for `git log`: its directory and its README."""
        extra = (self.long_description_path,) if self.long_description_path else ()
        return (self.directory, *extra)

    def tag(self, version: str) -> str:
        return f"{self.name}/v{version}"

    @property
    def tag_pattern(self) -> str:
        return f"{self.name}/v*"

    def owns(self, path: str) -> bool:
        # The directory prefix also catches files deleted since the base ref.
        return path in self.files or path.startswith(f"{self.directory}/")


@dataclass(frozen=True)
class Workspace:
    libraries: Mapping[str, Library]
    requires: Mapping[str, frozenset[str]]  # library -> the libraries it uses directly

    def dependents(self, names: Iterable[str]) -> set[str]:
        """Every library that uses one of `names`, directly or through others."""
        found: set[str] = set()
        frontier = set(names)
        while frontier:
            users = {
                user
                for user, used in self.requires.items()
                if used & frontier and user not in found
            }
            found |= users
            frontier = users
        return found

    def dependency_order(self, names: Iterable[str] | None = None) -> list[str]:
        """`names` (default: all) with each library after the libraries it uses; ties by name."""
        wanted = set(self.libraries if names is None else names)
        unknown = wanted - set(self.libraries)
        if unknown:
            raise ReleaseError(
                f"unknown libraries {sorted(unknown)}; known: {sorted(self.libraries)}"
            )
        ordered: list[str] = []
        remaining = set(wanted)
        while remaining:
            ready = sorted(name for name in remaining if not (self.requires[name] & remaining))
            if not ready:
                raise ReleaseError(
                    f"libraries depend on each other in a cycle: {sorted(remaining)}"
                )
            ordered.extend(ready)
            remaining -= set(ready)
        return ordered


def _belongs(address: str, directory: str) -> bool:
    return address.startswith((f"{directory}/", f"{directory}:"))


def parse_peek(output: str) -> Workspace:
    """The workspace from the JSON printed by `pants peek` over the libraries' targets."""
    try:
        targets: list[dict[str, Any]] = json.loads(output)
    except json.JSONDecodeError as error:
        raise ReleaseError(f"`pants peek` printed something that is not JSON: {error}") from None
    libraries: dict[str, Library] = {}
    for target in targets:
        if target.get("target_type") != "python_distribution":
            continue
        address: str = target["address"]
        directory = address.split(":", 1)[0]
        name = PurePosixPath(directory).name
        provides = target.get("provides") or {}
        if "name" not in provides or "version" not in provides:
            raise ReleaseError(
                f"{address} has no name and version in its provides=python_artifact(...)"
            )
        if name in libraries:
            raise ReleaseError(
                f"two distributions would have the tag prefix {name}/: "
                f"{libraries[name].address} and {address}"
            )
        readme = target.get("long_description_path")
        owned = [
            file
            for other in targets
            if _belongs(other["address"], directory)
            for file in other.get("sources") or ()
        ]
        libraries[name] = Library(
            name=name,
            distribution=provides["name"],
            version=provides["version"],
            address=address,
            directory=directory,
            long_description_path=readme,
            files=frozenset([*owned, f"{directory}/BUILD", *([readme] if readme else [])]),
        )
    if not libraries:
        raise ReleaseError(
            f"Pants found no python_distribution targets in {' '.join(LIBRARY_SPECS)}"
        )

    requires: dict[str, set[str]] = {name: set() for name in libraries}
    for target in targets:
        user = _owner(target["address"], libraries)
        if user is None:
            continue
        for dependency in target.get("dependencies") or ():
            used = _owner(dependency, libraries)
            if used is not None and used != user:
                requires[user].add(used)
    return Workspace(
        libraries=libraries,
        requires={name: frozenset(used) for name, used in requires.items()},
    )


def _owner(address: str, libraries: Mapping[str, Library]) -> str | None:
    for library in libraries.values():
        if _belongs(address, library.directory):
            return library.name
    return None


def pants_runner(buildroot: str) -> PantsRunner:
    """Runs `./pants --no-pantsd ARGS` in `buildroot` and returns its standard output.

    Without pantsd, because this runs inside `./pants run`, whose pantsd is busy serving it.
    """

    def run(args: Sequence[str]) -> str:
        command = [f"{buildroot}/pants", "--no-pantsd", *args]
        print(f"release: running {' '.join(['./pants', *command[1:]])}", file=sys.stderr)
        try:
            completed = subprocess.run(
                command, cwd=buildroot, capture_output=True, text=True, check=False
            )
        except FileNotFoundError:
            raise ReleaseError(
                f"no ./pants in {buildroot}: run the release tool from the repository root"
            ) from None
        if completed.returncode != 0:
            tail = "\n".join(completed.stderr.strip().splitlines()[-25:])
            raise ReleaseError(f"`./pants {' '.join(args)}` failed:\n{tail}")
        return completed.stdout

    return run


def load_workspace(run: PantsRunner) -> Workspace:
    return parse_peek(run(["peek", *LIBRARY_SPECS]))
