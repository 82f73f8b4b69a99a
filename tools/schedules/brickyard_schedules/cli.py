"""`python -m brickyard_schedules generate [--check]` and `... validate`.

generate   write shared-config/deploy/ from shared-config/schedules.toml
           (--check: write nothing, list stale files, exit 1 if any)
validate   check the manifest, then the generated files with the tools that consume them

Exit codes: 0 fine, 1 invalid manifest, stale files or a failed validator, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from brickyard_schedules.errors import ScheduleError
from brickyard_schedules.generators import render_all, stale_outputs, write_outputs
from brickyard_schedules.manifest import load_manifest, read_job_targets
from brickyard_schedules.validators import AIRFLOW_PYTHON_VARIABLE, run_validators

MANIFEST = "shared-config/schedules.toml"
DEPLOY_DIR = "shared-config/deploy"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        root = args.root or _find_root(Path.cwd())
        manifest_path = args.manifest or root / MANIFEST
        deploy_dir = args.deploy_dir or root / DEPLOY_DIR
        manifest = load_manifest(manifest_path, read_job_targets(root))
        if args.command == "generate":
            files = render_all(manifest)
            if args.check:
                stale = stale_outputs(deploy_dir, files)
                for line in stale:
                    print(line)
                if stale:
                    print(
                        f"{len(stale)} stale file(s); run: python -m brickyard_schedules generate"
                    )
                    return 1
                print(f"{len(files)} files in {deploy_dir} are up to date")
                return 0
            changes = write_outputs(deploy_dir, files)
            for line in changes:
                print(line)
            print(f"{len(files)} files in {deploy_dir}, {len(changes)} changed")
            return 0
        outcomes = run_validators(deploy_dir, manifest, args.airflow_python)
    except ScheduleError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for outcome in outcomes:
        print(f"{'ok  ' if outcome.ok else 'FAIL'} {outcome.name}: {outcome.message}")
    return 0 if all(outcome.ok for outcome in outcomes) else 1


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, help="repository root (default: found from CWD)")
    common.add_argument("--manifest", type=Path, help=f"default: ROOT/{MANIFEST}")
    common.add_argument("--deploy-dir", type=Path, help=f"default: ROOT/{DEPLOY_DIR}")
    parser = argparse.ArgumentParser(
        prog="brickyard_schedules",
        description="Scheduler files (cron, systemd, Kubernetes, Airflow) from one manifest.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", parents=[common], help="write the scheduler files")
    generate.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file is stale"
    )
    validate = commands.add_parser(
        "validate", parents=[common], help="check the files with their consumers"
    )
    validate.add_argument(
        "--airflow-python",
        help=f"a Python with apache-airflow installed (default: ${AIRFLOW_PYTHON_VARIABLE})",
    )
    return parser


def _find_root(start: Path) -> Path:
    for directory in (start, *start.parents):
        if (directory / "pants.toml").is_file() and (directory / MANIFEST).is_file():
            return directory
    raise ScheduleError(
        f"no Brickyard repository (pants.toml and {MANIFEST}) at or above {start}; pass --root"
    )


if __name__ == "__main__":
    sys.exit(main())
