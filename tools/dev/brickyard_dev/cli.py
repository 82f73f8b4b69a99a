"""`./pants run tools/dev -- [--root DIR] VERB ...`: every developer command of the repository.

Each verb is one module (or package) of brickyard_dev with `HELP` (its one line in
`--help`), `configure(parser)` (its arguments) and `run(args, workspace)` (its exit code).
Exit codes: 0 done, 1 refused or failed (the message says why and what to do), 64 bad
usage (the usage is printed), 73/74 an output could not be written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import NoReturn

from brickyard.core import BrickyardError, ExitCode
from brickyard_dev import (
    conda,
    graph,
    kernel,
    lab,
    new,
    promote,
    release,
    rename,
    schedules,
    why,
)
from brickyard_dev.workspace import PantsRunner, Workspace, find_root

VERBS: dict[str, ModuleType] = {
    "new": new,
    "rename": rename,
    "graph": graph,
    "promote": promote,
    "release": release,
    "schedules": schedules,
    "conda": conda,
    "kernel": kernel,
    "lab": lab,
    "why": why,
}


class _Parser(argparse.ArgumentParser):
    """argparse, but bad usage exits 64 (EX_USAGE) instead of 2, after printing the usage."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="./pants run tools/dev --",
        description="The repository's developer commands, over one workspace.",
        # Wide enough that every verb's summary stays on one line.
        formatter_class=lambda prog: argparse.HelpFormatter(prog, width=100, max_help_position=16),
    )
    top.add_argument(
        "--root", type=Path, help="repository root (default: the nearest pants.toml above here)"
    )
    verbs = top.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name, module in VERBS.items():
        verb = verbs.add_parser(
            name,
            help=module.HELP,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(verb)
        verb.set_defaults(run=module.run)
    return top


def main(argv: Sequence[str] | None = None, run_pants: PantsRunner | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exited:  # --help (0) or bad usage (64)
        return int(exited.code or 0)
    try:
        root = (args.root or find_root(Path.cwd())).resolve()
        return int(args.run(args, Workspace.at(root, run_pants)))
    except BrickyardError as error:
        print(f"dev {args.verb}: error: {error}", file=sys.stderr)
        return int(error.exit_code)
