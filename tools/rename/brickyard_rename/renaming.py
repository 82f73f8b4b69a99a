"""Give the repository another namespace: imports, distributions, config, docs, paths.

The namespace is one word that the repository spells three ways: `brickyard` (imports
`brickyard.<lib>`, distributions `brickyard-<lib>`, tool packages `brickyard_<tool>`,
macros `brickyard_library`, the index `brickyard-internal`, paths `src/brickyard/`),
`Brickyard` (prose) and `BRICKYARD` (environment variables: `BRICKYARD__<SECTION>__<KEY>`
config overrides and the launcher's `BRICKYARD_CACHE_DIR`/`BRICKYARD_PANTS_PYTHON`). Every
spelling is replaced everywhere in the files git tracks, names included, so nothing keeps
the old name by accident: a renamed repository shares no cache directory, environment
variable or package name with the template it came from.

The current namespace is read from `_NAMESPACE` in the macros, so a repository can be
renamed again later.
"""

from __future__ import annotations

import hashlib
import keyword
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from brickyard_rename.errors import RenameError

MACROS = "tools/pants-plugins/macros.py"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
STAMP = re.compile(r"<!-- source sha256: [0-9a-f]{64} -->")


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


def current_namespace(root: Path) -> str:
    path = root / MACROS
    if not path.is_file():
        raise RenameError(f"no {MACROS} under {root}: run the rename from the repository root")
    match = re.search(r'^_NAMESPACE = "([^"]+)"', path.read_text(), re.MULTILINE)
    if match is None:
        raise RenameError(f'{MACROS} has no `_NAMESPACE = "..."` line; it names the namespace')
    return match.group(1)


def check_new_name(old: str, new: str) -> None:
    if not NAME_PATTERN.fullmatch(new):
        raise RenameError(
            f"invalid namespace {new!r}: use lowercase letters, digits and underscores, "
            f"starting with a letter (it becomes the import name {new}.<lib> and the "
            f"distribution prefix {new}-)"
        )
    if keyword.iskeyword(new) or keyword.issoftkeyword(new):
        raise RenameError(f"invalid namespace {new!r}: it is a Python keyword")
    if new == old:
        raise RenameError(f"the namespace is {old!r} already; nothing to do")


def _git(root: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RenameError(f"`git {' '.join(args)}` failed in {root}: {completed.stderr.strip()}")
    return completed.stdout


def _replace(text: str, pairs: list[tuple[str, str]]) -> str:
    for before, after in pairs:
        text = text.replace(before, after)
    return text


def plan(root: Path, new: str) -> RenamePlan:
    """Everything the rename would change; refuses before changing anything."""
    old = current_namespace(root)
    check_new_name(old, new)
    if _git(root, "status", "--porcelain", "--untracked-files=no").strip():
        raise RenameError(
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
    _restamp(root, contents, moves)
    taken = sorted(target for target in moves.values() if (root / target).exists())
    if taken:
        raise RenameError(f"renamed paths exist already: {', '.join(taken[:5])}; move them first")
    return RenamePlan(old=old, new=new, contents=contents, moves=moves)


def _restamp(root: Path, contents: dict[str, str], moves: dict[str, str]) -> None:
    """Drawings stamped with the sha256 of their source (tools/depgraph: `x.svg` from `x.dot`)
    get the stamp of the renamed source, so a freshness check still holds after the rename."""
    for path in list(contents):
        if not path.endswith(".svg") or STAMP.search(contents[path]) is None:
            continue
        source = path.removesuffix(".svg") + ".dot"
        if source in contents:
            digest = hashlib.sha256(contents[source].encode()).hexdigest()
            contents[path] = STAMP.sub(f"<!-- source sha256: {digest} -->", contents[path])


def apply(root: Path, rename: RenamePlan) -> None:
    for path, text in rename.contents.items():
        file = root / path
        mode = file.stat().st_mode
        file.write_text(text)
        file.chmod(mode)
    for old_path, new_path in sorted(rename.moves.items()):
        target = root / new_path
        target.parent.mkdir(parents=True, exist_ok=True)
        (root / old_path).rename(target)
    for old_path in rename.moves:
        parent = (root / old_path).parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
