"""`python -m brickyard_conda_env generate [--check] | check | import-records`.

generate        write the spec from the Pants lockfile, then conda-lock.yml with the real
                `conda-lock lock` (conda side solved offline by the labelled stand-in);
                skips conda-lock when the drift check already passes
generate --check  write nothing; run the drift check (exit 1 naming each drifted package)
check           the drift check alone (same as generate --check)
import-records  copy conda-forge records of Python + pip from a public conda-lock.yml

Exit codes: 0 fine, 1 drift or a failed step, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from brickyard_conda_env.drift import lock_problems, spec_problems
from brickyard_conda_env.errors import CondaEnvError
from brickyard_conda_env.lock import lock
from brickyard_conda_env.pants_lock import PLATFORMS, read_pants_lock
from brickyard_conda_env.records import import_records, read_records, write_records
from brickyard_conda_env.spec import EnvironmentSpec, build_spec

PANTS_LOCK = "lockfiles/python-default.lock"
SPEC = "shared-config/conda/environment.yml"
RECORDS = "shared-config/conda/conda-forge-records.yml"
LOCKFILE = "conda-lock.yml"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        root = (args.root or _find_root(Path.cwd())).resolve()
        if args.command == "import-records":
            source = {"repository": args.repository, "commit": args.commit, "path": args.path}
            write_records(import_records(args.lockfile, PLATFORMS, source), root / RECORDS)
            print(f"wrote {RECORDS} from {args.repository}@{args.commit}:{args.path}")
            return 0
        spec = build_spec(
            read_pants_lock(root / PANTS_LOCK), read_records(root / RECORDS), PANTS_LOCK
        )
        for warning in spec.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if args.command == "check" or args.check:
            return _report(_problems(root, spec))
        return _generate(root, spec)
    except CondaEnvError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _problems(root: Path, spec: EnvironmentSpec) -> list[str]:
    spec_path = root / SPEC
    committed = spec_path.read_text() if spec_path.exists() else ""
    return spec_problems(committed, spec, SPEC, PANTS_LOCK) + lock_problems(
        root / LOCKFILE, spec_path, spec, read_pants_lock(root / PANTS_LOCK), PANTS_LOCK
    )


def _report(problems: list[str]) -> int:
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} difference(s) between {LOCKFILE}, {SPEC} and {PANTS_LOCK}; "
            "regenerate with: ./pants run tools/conda-env:conda-env -- generate"
        )
        return 1
    print(f"{LOCKFILE} and {SPEC} match {PANTS_LOCK}")
    return 0


def _generate(root: Path, spec: EnvironmentSpec) -> int:
    spec_path = root / SPEC
    if not spec_path.exists() or spec_path.read_text() != spec.text:
        spec_path.parent.mkdir(parents=True, exist_ok=True)
        spec_path.write_text(spec.text)
        print(f"wrote {SPEC}")
    if (root / LOCKFILE).exists() and not _problems(root, spec):
        print(f"{LOCKFILE} is up to date")
        return 0
    print(f"locking {', '.join(spec.platforms)} with conda-lock (conda side: offline stand-in)")
    with tempfile.TemporaryDirectory(prefix="brickyard-conda-env-") as work:
        output = lock(spec_path, root / LOCKFILE, read_records(root / RECORDS), Path(work), root)
    print(output.rstrip())
    return _report(_problems(root, spec))


def _find_root(start: Path) -> Path:
    for directory in (start, *start.parents):
        if (directory / "pants.toml").is_file():
            return directory
    raise CondaEnvError(f"no pants.toml in {start} or above; pass --root")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, help="repository root (default: found from CWD)")
    parser = argparse.ArgumentParser(
        prog="brickyard_conda_env",
        description="The notebook/dev conda environment, locked with conda-lock from the Pants lockfile.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser(
        "generate", parents=[common], help=f"write {SPEC} and {LOCKFILE}"
    )
    generate.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    commands.add_parser("check", parents=[common], help="the drift check")
    records = commands.add_parser(
        "import-records", parents=[common], help=f"write {RECORDS} from a public conda-lock.yml"
    )
    records.add_argument("lockfile", type=Path, help="a conda-lock.yml written against conda-forge")
    records.add_argument("--repository", required=True, help="owner/name it was taken from")
    records.add_argument("--commit", required=True, help="the commit it was taken at")
    records.add_argument("--path", required=True, help="its path in that repository")
    return parser
