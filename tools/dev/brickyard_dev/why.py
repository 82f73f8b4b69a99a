"""why --base REV [--summary FILE]

Says why each test target runs on a change since REV, as `.ci/run --base REV` selects them:
for each test target (`python_test`, `notebook`), the changed file and the shortest
dependency path from the test to it. The data is Pants' own: `./pants --changed-since=REV
--changed-dependents=transitive peek` lists the changed targets, everything that depends on
them and each one's dependencies; the changed files are git's (committed since REV, plus
uncommitted and untracked ones, as .ci/scope counts them).

When a file changed that every target depends on without an edge Pants knows of (the
patterns in .ci/global-files: lockfiles, Pants configuration, CI itself), everything runs,
and this says so once instead of listing every test.

The same goes as Markdown to FILE (appended), by default to $GITHUB_STEP_SUMMARY when it is
set, so a GitHub Actions run shows it on its summary page.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from brickyard.core import write_file
from brickyard_dev.errors import DevError
from brickyard_dev.release.gitrepo import GitRepo
from brickyard_dev.workspace import Workspace

HELP = "say why each test runs on a change since a revision (the changed file, the path)"
GLOBAL_FILES = ".ci/global-files"
TEST_TARGET_TYPES = frozenset({"python_test", "notebook"})


@dataclass(frozen=True)
class Reason:
    """Why one test target runs: the changed file its shortest dependency path ends at."""

    test: str
    changed_file: str
    path: tuple[str, ...]  # addresses from the test to the changed target, both included


@dataclass(frozen=True)
class Selection:
    """What a change since `base` runs: everything (for `global_files`), or `reasons`."""

    base: str
    changed_files: tuple[str, ...]
    global_files: tuple[str, ...]
    reasons: tuple[Reason, ...]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", required=True, help="the revision changes are counted from")
    parser.add_argument(
        "--summary",
        type=Path,
        default=os.environ.get("GITHUB_STEP_SUMMARY") or None,
        help="append the Markdown table here (default: $GITHUB_STEP_SUMMARY, when set)",
    )


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    selection = select(workspace, args.base)
    print(console_text(selection))
    if args.summary:
        summary = Path(args.summary)
        before = summary.read_text() if summary.exists() else ""
        write_file(summary, before + markdown(selection))
    return 0


def global_patterns(root: Path) -> list[re.Pattern[str]]:
    """The patterns of .ci/global-files: extended regular expressions, one a line."""
    path = root / GLOBAL_FILES
    try:
        lines = path.read_text().splitlines()
    except OSError as error:
        raise DevError(f"cannot read {GLOBAL_FILES}: {error}") from error
    patterns = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            patterns.append(re.compile(line))
        except re.error as error:
            raise DevError(f"{GLOBAL_FILES}:{number}: not a regular expression: {error}") from None
    return patterns


def changed_files(root: Path, base: str) -> tuple[str, ...]:
    """Files changed since `base`: committed, uncommitted and untracked, as .ci/scope counts."""
    git = GitRepo(root)
    if git.resolve(base) is None:
        raise DevError(
            f"base revision '{base}' is not a commit here (fetch it first, e.g. git fetch origin main)"
        )
    diff = git.run("diff", "--name-only", "--no-renames", base, "--").splitlines()
    untracked = git.run("ls-files", "--others", "--exclude-standard").splitlines()
    return tuple(sorted({*diff, *untracked} - {""}))


def select(workspace: Workspace, base: str) -> Selection:
    changed = changed_files(workspace.root, base)
    patterns = global_patterns(workspace.root)
    global_files = tuple(f for f in changed if any(p.search(f) for p in patterns))
    if global_files:
        return Selection(base, changed, global_files, ())
    if not changed:
        return Selection(base, changed, (), ())
    peek = workspace.run_pants(
        [f"--changed-since={base}", "--changed-dependents=transitive", "peek"]
    )
    deleted = [f for f in changed if not (workspace.root / f).exists()]
    return Selection(base, changed, (), tuple(reasons(_targets(peek), changed, deleted)))


def _targets(peek_output: str) -> list[Mapping[str, object]]:
    try:
        targets = json.loads(peek_output or "[]")
    except json.JSONDecodeError as error:
        raise DevError(f"`./pants peek` printed no JSON: {error}") from error
    return list(targets)


def _build_directory(address: str, sources: Sequence[str]) -> str:
    """The directory of the BUILD file that declares the target at `address`."""
    path, _, name = address.partition(":")
    if path in sources:  # a file's own target, e.g. `dir/x.py:tgt` or `dir/x.ipynb:../../tgt`
        return posixpath.normpath(posixpath.join(posixpath.dirname(path), posixpath.dirname(name)))
    return path


def _own_change(
    address: str, sources: Sequence[str], changed: frozenset[str], deleted: frozenset[str]
) -> str | None:
    """The changed file that puts this target among the changed ones, if one does: one of its
    sources, else the BUILD file that declares it, else a file deleted beside it (whose
    owners, for Pants, are the targets whose globs matched it)."""
    for source in sorted(sources):
        if source in changed:
            return source
    directory = _build_directory(address, sources)
    build_file = posixpath.join(directory, "BUILD") if directory else "BUILD"
    if build_file in changed:
        return build_file
    return next((f for f in sorted(deleted) if posixpath.dirname(f) == directory), None)


def reasons(
    targets: Iterable[Mapping[str, object]], changed: Iterable[str], deleted: Iterable[str] = ()
) -> list[Reason]:
    """For each test target among `targets` (a peek of what a change selects), the shortest
    dependency path to a target that changed itself, and the file that changed."""
    changed_set = frozenset(changed)
    deleted_set = frozenset(deleted)
    dependencies: dict[str, list[str]] = {}
    own_change: dict[str, str] = {}
    tests = []
    for target in targets:
        address = str(target["address"])
        sources = [str(s) for s in target.get("sources") or ()]  # type: ignore[attr-defined]
        dependencies[address] = sorted(str(d) for d in target.get("dependencies") or ())  # type: ignore[attr-defined]
        change = _own_change(address, sources, changed_set, deleted_set)
        if change is not None:
            own_change[address] = change
        if target.get("target_type") in TEST_TARGET_TYPES:
            tests.append(address)
    found = []
    for test in sorted(tests):
        path = _shortest_path(test, dependencies, own_change)
        if path is None:
            raise DevError(
                f"Pants selected {test}, but no dependency path from it reaches a changed file: "
                "report this with the output of `./pants --changed-since=REV "
                "--changed-dependents=transitive peek`"
            )
        found.append(Reason(test, own_change[path[-1]], path))
    return found


def _shortest_path(
    start: str, dependencies: Mapping[str, Sequence[str]], own_change: Mapping[str, str]
) -> tuple[str, ...] | None:
    """Breadth first from `start` over dependencies among the selected targets."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        address = queue.popleft()
        if address in own_change:
            path = [address]
            while (step := previous[path[-1]]) is not None:
                path.append(step)
            return tuple(reversed(path))
        for dependency in dependencies.get(address, ()):
            if dependency in dependencies and dependency not in previous:
                previous[dependency] = address
                queue.append(dependency)
    return None


def _everything_text(selection: Selection) -> str:
    return (
        f"every target runs: {len(selection.global_files)} changed file(s) since "
        f"{selection.base} affect every target without a dependency edge Pants knows of "
        f"(the patterns in {GLOBAL_FILES})"
    )


def console_text(selection: Selection) -> str:
    if selection.global_files:
        listed = "".join(f"\n  {f}" for f in selection.global_files)
        return f"why: {_everything_text(selection)}:{listed}"
    if not selection.reasons:
        return f"why: no test depends on what changed since {selection.base}"
    lines = [
        f"why: {len(selection.reasons)} test target(s) run for {len(selection.changed_files)}"
        f" changed file(s) since {selection.base}; each with the file it depends on and the"
        " shortest dependency path to it:"
    ]
    for reason in selection.reasons:
        lines += [
            f"  {reason.test}",
            f"      changed: {reason.changed_file}",
            f"      path:    {' -> '.join(reason.path)}",
        ]
    return "\n".join(lines)


def markdown(selection: Selection) -> str:
    heading = f"### Why these tests ran (changes since `{selection.base}`)\n\n"
    if selection.global_files:
        listed = "".join(f"- `{f}`\n" for f in selection.global_files)
        return f"{heading}Everything ran: {_everything_text(selection)}:\n\n{listed}\n"
    if not selection.reasons:
        return f"{heading}No test depends on what changed.\n\n"
    rows = [
        "| Test target | Changed file | Dependency path (test → change) |",
        "| --- | --- | --- |",
    ]
    for reason in selection.reasons:
        path = " → ".join(f"`{address}`" for address in reason.path)
        rows.append(f"| `{reason.test}` | `{reason.changed_file}` | {path} |")
    return heading + "\n".join(rows) + "\n\n"
