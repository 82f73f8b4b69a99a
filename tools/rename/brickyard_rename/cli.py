"""`./pants run tools/rename:rename -- NEW [--dry-run]`: rename the namespace everywhere.

Exit codes: 0 renamed (or, with --dry-run, planned), 1 refused (the message says why),
2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from brickyard_rename.errors import RenameError
from brickyard_rename.renaming import apply, plan


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rename",
        description="Replace the namespace (imports, distributions, index, environment "
        "variables, config, docs, paths) in every file git tracks.",
    )
    parser.add_argument("new", help="the new namespace, a lowercase identifier, e.g. acme")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would change, change nothing"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root: Path = args.root.resolve()
    try:
        rename = plan(root, args.new)
    except RenameError as error:
        print(f"rename: error: {error}", file=sys.stderr)
        return 1
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
    apply(root, rename)
    print(
        "rename: done. Next: `./pants fix update-build-files ::` (names of another length move "
        "line breaks and import order), `./pants lint check test ::`, then commit. The "
        "launcher now caches "
        f"Pants in ~/.cache/{rename.new} and reads {rename.new.upper()}_* variables: its first "
        "run installs Pants again."
    )
    return 0
