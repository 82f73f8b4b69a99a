"""rename NEW [--dry-run]

Gives the repository another namespace: imports, distributions, index, environment
variables, config, docs and paths, in every file git tracks. The namespace is one word
spelled three ways: `brickyard` (imports `brickyard.<lib>`, distributions
`brickyard-<lib>`, the CLI package `brickyard_dev`, macros `brickyard_library`, the index
`brickyard-internal`, paths `src/brickyard/`), `Brickyard` (prose, `BrickyardError`) and
`BRICKYARD` (environment variables: `BRICKYARD__<SECTION>__<KEY>` config overrides and the
launcher's `BRICKYARD_CACHE_DIR`/`BRICKYARD_PANTS_PYTHON`). Every spelling is replaced
everywhere, names included, so a renamed repository shares no cache directory,
environment variable or package name with the template it came from. Binary and
untracked files are left alone. Refuses (changing nothing) a bad or unchanged name,
uncommitted changes to tracked files, and a renamed path that exists already.
"""

from __future__ import annotations

import argparse
import hashlib
import keyword
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from brickyard.core import atomic_files
from brickyard_dev.errors import DevError
from brickyard_dev.workspace import Workspace

HELP = "give the repository another namespace (brickyard -> NEW) in every tracked file"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
STAMP = re.compile(r"<!-- source sha256: [0-9a-f]{64} -->")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("new", help="the new namespace, a lowercase identifier, e.g. acme")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would change, change nothing"
    )


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    rename = plan(workspace, args.new)
    for before, after in rename.spellings():
        print(f"rename: {before} -> {after}")
    for old_path, new_path in sorted(rename.moves.items()):
        print(f"rename: move {old_path} -> {new_path}")
    verb = "would change" if args.dry_run else "changed"
    print(
        f"rename: {verb} the text of {len(rename.contents)} files, {verb} {len(rename.moves)} paths"
    )
    if args.dry_run:
        return 0
    apply(workspace.root, rename)
    print(
        "rename: done. Next: `./pants fix update-build-files ::` (names of another length move "
        "line breaks and import order), `./pants lint check test ::`, then commit. The "
        f"launcher now caches Pants in ~/.cache/{rename.new} and reads {rename.new.upper()}_* "
        "variables: its first run installs Pants again."
    )
    return 0


@dataclass(frozen=True)
class RenamePlan:
    old: str
    new: str
    contents: dict[str, str]  # path -> new text, for files whose text changes
    moves: dict[str, str]  # old path -> new path, for files whose path changes

    def spellings(self) -> list[tuple[str, str]]:
        return spellings(self.old, self.new)


def spellings(old: str, new: str) -> list[tuple[str, str]]:
    return [(old, new), (old.capitalize(), new.capitalize()), (old.upper(), new.upper())]


def check_new_name(old: str, new: str) -> None:
    if not NAME_PATTERN.fullmatch(new):
        raise DevError(
            f"invalid namespace {new!r}: use lowercase letters, digits and underscores, "
            f"starting with a letter (it becomes the import name {new}.<lib> and the "
            f"distribution prefix {new}-)"
        )
    if keyword.iskeyword(new) or keyword.issoftkeyword(new):
        raise DevError(f"invalid namespace {new!r}: it is a Python keyword")
    if new == old:
        raise DevError(f"the namespace is {old!r} already; nothing to do")


def _git(root: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise DevError(f"`git {' '.join(args)}` failed in {root}: {completed.stderr.strip()}")
    return completed.stdout


def _replace(text: str, pairs: list[tuple[str, str]]) -> str:
    for before, after in pairs:
        text = text.replace(before, after)
    return text


def plan(workspace: Workspace, new: str) -> RenamePlan:
    """Everything the rename would change; refuses before changing anything."""
    root = workspace.root
    old = workspace.namespace
    check_new_name(old, new)
    if _git(root, "status", "--porcelain", "--untracked-files=no").strip():
        raise DevError(
            "tracked files have uncommitted changes; commit or stash them first, so the "
            "rename is one reviewable diff"
        )
    pairs = spellings(old, new)
    contents: dict[str, str] = {}
    moves: dict[str, str] = {}
    for path in _git(root, "ls-files", "-z").split("\0"):
        if not path:
            continue
        file = root / path
        if file.is_symlink() or not file.is_file():
            continue
        renamed = _replace(path, pairs)
        if renamed != path:
            moves[path] = renamed
        data = file.read_bytes()
        if b"\0" in data:
            continue  # binary
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        replaced = _replace(text, pairs)
        if replaced != text:
            contents[path] = replaced
    _restamp(contents)
    taken = sorted(target for target in moves.values() if (root / target).exists())
    if taken:
        raise DevError(f"renamed paths exist already: {', '.join(taken[:5])}; move them first")
    return RenamePlan(old=old, new=new, contents=contents, moves=moves)


def _restamp(contents: dict[str, str]) -> None:
    """Drawings stamped with the sha256 of their source (`graph`: `x.svg` from `x.dot`) get
    the stamp of the renamed source, so `graph --check` still holds after the rename."""
    for path in list(contents):
        if not path.endswith(".svg") or STAMP.search(contents[path]) is None:
            continue
        source = path.removesuffix(".svg") + ".dot"
        if source in contents:
            digest = hashlib.sha256(contents[source].encode()).hexdigest()
            contents[path] = STAMP.sub(f"<!-- source sha256: {digest} -->", contents[path])


def apply(root: Path, rename: RenamePlan) -> None:
    """New texts first (each keeps its file's mode), then the moves."""
    with atomic_files() as stage:
        for path, text in rename.contents.items():
            file = root / path
            stage(file, text, mode=file.stat().st_mode & 0o7777)
    for old_path, new_path in sorted(rename.moves.items()):
        target = root / new_path
        target.parent.mkdir(parents=True, exist_ok=True)
        (root / old_path).rename(target)
    for old_path in rename.moves:
        parent = (root / old_path).parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
