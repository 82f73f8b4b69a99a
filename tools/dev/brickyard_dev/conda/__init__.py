"""conda generate [--check] | conda check | conda render | conda develop [--prefix PREFIX]
| conda import-records LOCKFILE ...

The notebook/dev conda environment, kept equal to the Pants resolve:
shared-config/conda/environment.yml (the spec) is generated from
lockfiles/python-default.lock, and conda-lock.yml is written from the spec by the real
`conda-lock lock`, its conda side solved offline by a labelled stand-in for conda
(py-rattler over the conda-forge records in shared-config/conda/conda-forge-records.yml),
its pip side by conda-lock's own Poetry against the package index.

generate        write the spec, then re-lock conda-lock.yml if anything drifted
generate --check, check
                write nothing; the drift check (exit 1 naming each drifted package and
                both versions); it also runs in `./pants test ::`
render          explicit per-platform lockfiles from conda-lock.yml into dist/conda/
develop         make a conda environment (from `conda-lock install`) import the workspace
                libraries live (a .pth file listing packages/*/src) and register it as the
                Jupyter kernel "Brickyard (conda: NAME)"
import-records  copy the conda-forge records of Python and pip from a public conda-lock.yml
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from brickyard.core import write_file
from brickyard_dev.conda.develop import KERNEL_NAME, develop
from brickyard_dev.conda.drift import lock_problems, spec_problems
from brickyard_dev.conda.lock import conda_lock, lock
from brickyard_dev.conda.pants_lock import PLATFORMS, read_pants_lock
from brickyard_dev.conda.records import import_records, read_records, write_records
from brickyard_dev.conda.spec import EnvironmentSpec, build_spec
from brickyard_dev.errors import DevError
from brickyard_dev.workspace import Workspace

HELP = "generate, check or render the notebook conda environment (conda-lock.yml)"
PANTS_LOCK = "lockfiles/python-default.lock"
SPEC = "shared-config/conda/environment.yml"
RECORDS = "shared-config/conda/conda-forge-records.yml"
LOCKFILE = "conda-lock.yml"
RENDERED = "dist/conda"
GENERATE_COMMAND = "./pants run tools/dev -- conda generate"


def configure(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    generate = commands.add_parser("generate", help=f"write {SPEC} and {LOCKFILE}")
    generate.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    commands.add_parser("check", help="the drift check")
    commands.add_parser(
        "render", help=f"explicit lockfiles per platform from {LOCKFILE} into {RENDERED}/"
    )
    develop_command = commands.add_parser(
        "develop", help="make a conda environment import the workspace libraries live"
    )
    develop_command.add_argument(
        "--prefix",
        type=Path,
        default=os.environ.get("CONDA_PREFIX") or None,
        help="the environment (default: $CONDA_PREFIX, the activated one)",
    )
    develop_command.add_argument(
        "--kernel-name", default=KERNEL_NAME, help=f"kernel name (default: {KERNEL_NAME})"
    )
    records = commands.add_parser(
        "import-records", help=f"write {RECORDS} from a public conda-lock.yml"
    )
    records.add_argument("lockfile", type=Path, help="a conda-lock.yml written against conda-forge")
    records.add_argument("--repository", required=True, help="owner/name it was taken from")
    records.add_argument("--commit", required=True, help="the commit it was taken at")
    records.add_argument("--path", required=True, help="its path in that repository")


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    root = workspace.root
    if args.command == "import-records":
        source = {"repository": args.repository, "commit": args.commit, "path": args.path}
        write_records(import_records(args.lockfile, PLATFORMS, source), root / RECORDS)
        print(f"wrote {RECORDS} from {args.repository}@{args.commit}:{args.path}")
        return 0
    if args.command == "render":
        return _render(root)
    if args.command == "develop":
        if args.prefix is None:
            raise DevError("no environment: activate it, or pass --prefix PREFIX")
        pth = develop(workspace, args.prefix.resolve(), args.kernel_name)
        print(f"wrote {pth}: {args.prefix} imports the workspace libraries from packages/*/src")
        return 0
    spec = build_spec(read_pants_lock(root / PANTS_LOCK), read_records(root / RECORDS), PANTS_LOCK)
    for warning in spec.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.command == "check" or args.check:
        return _report(_problems(root, spec))
    return _generate(root, spec)


def _problems(root: Path, spec: EnvironmentSpec) -> list[str]:
    spec_path = root / SPEC
    committed = spec_path.read_text() if spec_path.exists() else ""
    return spec_problems(committed, spec, SPEC, PANTS_LOCK) + lock_problems(
        root / LOCKFILE,
        spec_path,
        spec,
        read_pants_lock(root / PANTS_LOCK),
        PANTS_LOCK,
        read_records(root / RECORDS),
        RECORDS,
    )


def _report(problems: list[str]) -> int:
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} difference(s) between {LOCKFILE}, {SPEC}, {PANTS_LOCK}"
            f" and {RECORDS}; regenerate with: {GENERATE_COMMAND}"
        )
        return 1
    print(f"{LOCKFILE} and {SPEC} match {PANTS_LOCK} and {RECORDS}")
    return 0


def _generate(root: Path, spec: EnvironmentSpec) -> int:
    spec_path = root / SPEC
    if not spec_path.exists() or spec_path.read_text() != spec.text:
        write_file(spec_path, spec.text)
        print(f"wrote {SPEC}")
    if (root / LOCKFILE).exists() and not _problems(root, spec):
        print(f"{LOCKFILE} is up to date")
        return 0
    print(f"locking {', '.join(spec.platforms)} with conda-lock (conda side: offline stand-in)")
    with tempfile.TemporaryDirectory(prefix="brickyard-conda-") as work:
        output = lock(spec_path, root / LOCKFILE, read_records(root / RECORDS), Path(work), root)
    print(output.rstrip())
    return _report(_problems(root, spec))


def _render(root: Path) -> int:
    (root / RENDERED).mkdir(parents=True, exist_ok=True)
    template = f"{RENDERED}/conda-{{platform}}.lock"
    args = ["render", "--kind", "explicit", "--filename-template", template, LOCKFILE]
    result = conda_lock(args, env=dict(os.environ), cwd=root)
    if result.returncode != 0:
        raise DevError(f"conda-lock render failed:\n{result.stdout}{result.stderr}")
    print(result.stdout.strip())
    return 0
