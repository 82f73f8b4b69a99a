"""schedules generate [--check] | schedules validate [--airflow-python PYTHON]

One manifest, shared-config/schedules.toml, says which job runs when and how; `generate`
turns it into the files each scheduler reads, under shared-config/deploy/: a crontab,
systemd units, Kubernetes CronJobs and an Airflow DAG file. They are committed and must
match the manifest byte for byte: `generate --check` writes nothing and exits 1 listing
the stale files. `validate` checks the manifest, then each generated file with the tool
that consumes it (croniter and sh, systemd-analyze, the Kubernetes client's models,
Airflow itself); a missing tool fails the check. The job targets come from Pants (the
pex_binary targets of packages/jobs), so a manifest naming a target that is gone fails.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from brickyard_dev.schedules.generators import render_all, stale_outputs, write_outputs
from brickyard_dev.schedules.manifest import load_manifest
from brickyard_dev.schedules.validators import AIRFLOW_PYTHON_VARIABLE, run_validators
from brickyard_dev.workspace import Workspace

HELP = "generate (--check: fail if stale) or validate the scheduler files"
MANIFEST = "shared-config/schedules.toml"
DEPLOY_DIR = "shared-config/deploy"
GENERATE_COMMAND = "./pants run tools/dev -- schedules generate"


def configure(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    generate = commands.add_parser("generate", help="write the scheduler files")
    generate.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file is stale"
    )
    validate = commands.add_parser("validate", help="check the files with their consumers")
    validate.add_argument(
        "--airflow-python",
        help=f"a Python with apache-airflow installed (default: ${AIRFLOW_PYTHON_VARIABLE})",
    )


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    deploy_dir = workspace.root / DEPLOY_DIR
    manifest = load_manifest(workspace.root / MANIFEST, workspace.job_targets())
    if args.command == "validate":
        outcomes = run_validators(deploy_dir, manifest, args.airflow_python)
        for outcome in outcomes:
            print(f"{'ok  ' if outcome.ok else 'FAIL'} {outcome.name}: {outcome.message}")
        return 0 if all(outcome.ok for outcome in outcomes) else 1
    files = render_all(manifest)
    shown = Path(DEPLOY_DIR)
    if args.check:
        stale = stale_outputs(deploy_dir, files)
        for line in stale:
            print(line)
        if stale:
            print(f"{len(stale)} stale file(s); run: {GENERATE_COMMAND}")
            return 1
        print(f"{len(files)} files in {shown} are up to date")
        return 0
    changes = write_outputs(deploy_dir, files)
    for line in changes:
        print(line)
    print(f"{len(files)} files in {shown}, {len(changes)} changed")
    return 0
