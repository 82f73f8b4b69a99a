"""The workspace every verb works on: where it is, what it is called, how it is layered, and
what Pants knows about its targets.

Everything is read from the files that define it, never from a hand-kept list: the root is
the directory holding `pants.toml`; the namespace is `_NAMESPACE` in the BUILD macros (so
the verbs keep working after `rename`); the layers come from the root BUILD's
`<namespace>_layering(layers=[...])` call; the libraries, their versions and which uses
which, and the job executables, come from `./pants peek` (inferred imports included).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from brickyard.core import write_file
from brickyard_dev.errors import DevError

MACROS = "tools/pants-plugins/macros.py"
ROOT_BUILD = "BUILD"
# Where the libraries live: peek only these, so a broken target elsewhere stops no verb.
LIBRARY_SPECS = ("packages::",)
# The schedulable job executables: the pex_binary targets of this BUILD directory.
JOBS_SPEC = "packages/jobs:"

PantsRunner = Callable[[Sequence[str]], str]


def find_root(start: Path) -> Path:
    """The nearest directory at or above `start` that holds `pants.toml`."""
    for directory in (start, *start.parents):
        if (directory / "pants.toml").is_file():
            return directory
    raise DevError(
        f"no pants.toml in {start} or above: run from inside the repository or pass --root"
    )


def pants_runner(root: Path) -> PantsRunner:
    """Runs `./pants --no-pantsd ARGS` in `root` and returns its standard output.

    Without pantsd, because the verbs run inside `./pants run`, whose pantsd is busy serving it.
    """

    def run(args: Sequence[str]) -> str:
        shown = " ".join(["./pants", *args])
        print(f"dev: running {shown}", file=sys.stderr)
        try:
            completed = subprocess.run(
                [str(root / "pants"), "--no-pantsd", *args],
                cwd=root,
                capture_output=True,
                text=True,
                check=False,
            )
        except FileNotFoundError:
            raise DevError(f"no ./pants in {root}: run from the repository root") from None
        if completed.returncode != 0:
            tail = "\n".join(completed.stderr.strip().splitlines()[-25:])
            raise DevError(f"`{shown}` failed:\n{tail}")
        return completed.stdout

    return run


@dataclass(frozen=True)
class Layering:
    """The `<namespace>_layering(layers=[...])` call in the root BUILD file."""

    function: str
    layers: tuple[str, ...]
    start: int  # character offsets of the whole call in the BUILD file
    end: int


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
class LibraryGraph:
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
            raise DevError(f"unknown libraries {sorted(unknown)}; known: {sorted(self.libraries)}")
        ordered: list[str] = []
        remaining = set(wanted)
        while remaining:
            ready = sorted(name for name in remaining if not (self.requires[name] & remaining))
            if not ready:
                raise DevError(f"libraries depend on each other in a cycle: {sorted(remaining)}")
            ordered.extend(ready)
            remaining -= set(ready)
        return ordered


@dataclass
class Workspace:
    """One repository; each part is read the first time a verb asks for it."""

    root: Path
    run_pants: PantsRunner = field(repr=False)

    @classmethod
    def at(cls, root: Path, run_pants: PantsRunner | None = None) -> Workspace:
        return cls(root, run_pants or pants_runner(root))

    @cached_property
    def namespace(self) -> str:
        path = self.root / MACROS
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except FileNotFoundError:
            raise DevError(f"no {MACROS} under {self.root}: run from the repository root") from None
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and [getattr(target, "id", None) for target in node.targets] == ["_NAMESPACE"]
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                return node.value.value
        raise DevError(f'{MACROS} has no `_NAMESPACE = "..."`: it names the namespace')

    @cached_property
    def layering(self) -> Layering:
        path = self.root / ROOT_BUILD
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.endswith("_layering")
            ):
                layers = next((kw.value for kw in node.keywords if kw.arg == "layers"), None)
                if not isinstance(layers, ast.List) or not all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in layers.elts
                ):
                    raise DevError(
                        f"{ROOT_BUILD}:{node.lineno}: {node.func.id}(...) needs layers=[...] as "
                        "a list of string literals"
                    )
                assert node.end_lineno is not None and node.end_col_offset is not None
                return Layering(
                    function=node.func.id,
                    layers=tuple(e.value for e in layers.elts),  # type: ignore[attr-defined]
                    start=_offset(text, node.lineno, node.col_offset),
                    end=_offset(text, node.end_lineno, node.end_col_offset),
                )
        raise DevError(f"{ROOT_BUILD} has no `..._layering(layers=[...])` call")

    def write_layering(self, call: str) -> None:
        """Replace the layering call in the root BUILD with `call`."""
        path = self.root / ROOT_BUILD
        text = path.read_text(encoding="utf-8")
        write_file(path, text[: self.layering.start] + call + text[self.layering.end :])
        self.__dict__.pop("layering", None)

    def directories(self, parent: str) -> frozenset[str]:
        """The names of the directories in `parent` (e.g. "packages", "tools")."""
        path = self.root / parent
        return (
            frozenset(p.name for p in path.iterdir() if p.is_dir())
            if path.is_dir()
            else frozenset()
        )

    def libraries(self) -> LibraryGraph:
        return parse_libraries(self.run_pants(["peek", *LIBRARY_SPECS]))

    def job_targets(self) -> dict[str, str]:
        """The schedulable job executables: address -> target name."""
        return parse_job_targets(self.run_pants(["peek", JOBS_SPEC]))


def _offset(text: str, line: int, column: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(previous) for previous in lines[: line - 1]) + column


def _peek_targets(output: str) -> list[dict[str, Any]]:
    try:
        targets: list[dict[str, Any]] = json.loads(output)
    except json.JSONDecodeError as error:
        raise DevError(f"`pants peek` printed something that is not JSON: {error}") from None
    return targets


def _belongs(address: str, directory: str) -> bool:
    return address.startswith((f"{directory}/", f"{directory}:"))


def parse_libraries(output: str) -> LibraryGraph:
    """The libraries from the JSON printed by `pants peek` over their targets."""
    targets = _peek_targets(output)
    libraries: dict[str, Library] = {}
    for target in targets:
        if target.get("target_type") != "python_distribution":
            continue
        address: str = target["address"]
        directory = address.split(":", 1)[0]
        name = PurePosixPath(directory).name
        provides = target.get("provides") or {}
        if "name" not in provides or "version" not in provides:
            raise DevError(
                f"{address} has no name and version in its provides=python_artifact(...)"
            )
        if name in libraries:
            raise DevError(
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
        raise DevError(f"Pants found no python_distribution targets in {' '.join(LIBRARY_SPECS)}")

    requires: dict[str, set[str]] = {name: set() for name in libraries}
    for target in targets:
        user = _owner(target["address"], libraries)
        if user is None:
            continue
        for dependency in target.get("dependencies") or ():
            used = _owner(dependency, libraries)
            if used is not None and used != user:
                requires[user].add(used)
    return LibraryGraph(
        libraries=libraries,
        requires={name: frozenset(used) for name, used in requires.items()},
    )


def _owner(address: str, libraries: Mapping[str, Library]) -> str | None:
    for library in libraries.values():
        if _belongs(address, library.directory):
            return library.name
    return None


def parse_job_targets(output: str) -> dict[str, str]:
    """address -> target name of every pex_binary in the JSON printed by `pants peek`."""
    return {
        target["address"]: target["address"].rpartition(":")[2]
        for target in _peek_targets(output)
        if target.get("target_type") == "pex_binary"
    }
