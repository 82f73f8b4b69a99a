"""`./pants run tools/scaffold:scaffold -- new NAME --description TEXT [--after LAYER | --before LAYER]`.

Exit codes: 0 created, 1 refused (the message says why and what to do), 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from brickyard_scaffold.errors import ScaffoldError
from brickyard_scaffold.generate import NewLibrary, create
from brickyard_scaffold.workspace import load_workspace


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scaffold", description="Create libraries of the house shape."
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser(
        "new",
        help="create packages/NAME and add its layer",
        description="Create packages/NAME (README, CHANGELOG, BUILD, a first module, errors, "
        "py.typed, tests that pass) and insert NAME into the layering in the root BUILD. "
        "A library may use the layers below its own.",
    )
    new.add_argument("name", help="lowercase identifier: import <namespace>.NAME")
    new.add_argument("--description", required=True, help="one line: what the library is for")
    new.add_argument("--module", default="core", help="name of the first module (default: core)")
    where = new.add_mutually_exclusive_group()
    where.add_argument("--after", metavar="LAYER", help="its layer goes right above LAYER")
    where.add_argument("--before", metavar="LAYER", help="its layer goes right below LAYER")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        workspace = load_workspace(args.root.resolve())
        written = create(
            workspace,
            NewLibrary(name=args.name, description=args.description, module=args.module),
            after=args.after,
            before=args.before,
        )
    except ScaffoldError as error:
        print(f"scaffold: error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"scaffold: wrote {path}")
    print(
        f"scaffold: created {workspace.distribution(args.name)}; next: "
        f"./pants test packages/{args.name}::  (then commit, and replace the example module)"
    )
    return 0
