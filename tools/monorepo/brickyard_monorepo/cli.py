"""`./pants run tools/monorepo -- generate DIR --libraries N [--seed S] [--test-seconds SECONDS]`.

Exit codes: 0 written, 1 refused (the message says why), 2 bad usage.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from brickyard_monorepo.errors import GenerateError
from brickyard_monorepo.graph import dependents
from brickyard_monorepo.writer import generate


def _repo_root() -> Path:
    completed = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
    )
    return Path(completed.stdout.strip() or ".")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monorepo", description="Generate synthetic monorepos for scale tests."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser(
        "generate",
        help="write N layered libraries with tests and a Pants set-up",
        description="Write N libraries in layers (each uses 1-3 libraries below it), each "
        "with three pytest tests (four with --test-seconds), plus Brickyard's ./pants "
        "launcher and a pants.toml; the result is a git repository with one commit.",
    )
    gen.add_argument("directory", type=Path, help="where to write (must not exist or be empty)")
    gen.add_argument("--libraries", type=int, required=True, metavar="N")
    gen.add_argument("--seed", type=int, default=8, help="graph seed (default 8)")
    gen.add_argument(
        "--source-repo", type=Path, default=None, help="Brickyard's root (default: this repo)"
    )
    gen.add_argument("--no-git", action="store_true", help="do not make it a git repository")
    gen.add_argument(
        "--test-seconds",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="give each library a fourth test doing about SECONDS of pure-Python work, "
        "calibrated on this machine, so the tests weigh what real ones do (default 0: "
        "trivial tests only, the worst case for an incremental runner's fixed cost)",
    )
    gen.add_argument(
        "--test-iterations",
        type=int,
        default=None,
        metavar="N",
        help="with --test-seconds: use this loop length instead of calibrating one, so "
        "repositories generated for one benchmark carry the same work",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    source_repo = (args.source_repo or _repo_root()).resolve()
    try:
        graph = generate(
            args.directory.resolve(),
            args.libraries,
            source_repo,
            seed=args.seed,
            git=not args.no_git,
            test_seconds=args.test_seconds,
            test_iterations=args.test_iterations,
        )
    except GenerateError as error:
        print(f"monorepo: error: {error}", file=sys.stderr)
        return 1
    layers = max(lib.layer for lib in graph) + 1
    edges = sum(len(lib.uses) for lib in graph)
    unused = [lib.name for lib in graph if not dependents(graph, lib.name)]
    work = f", tests doing about {args.test_seconds:g} s of work each" if args.test_seconds else ""
    print(
        f"monorepo: wrote {len(graph)} libraries in {layers} layers ({edges} dependencies, "
        f"{len(unused)} used by no other library{work}) to {args.directory}"
    )
    return 0
