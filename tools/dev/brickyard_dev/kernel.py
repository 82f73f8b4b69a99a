"""kernel [--name NAME]

Creates or refreshes the "Brickyard (workspace)" Jupyter kernel: exports the python-default
resolve with `./pants export` (every workspace library installed editable, so
`import brickyard.features` reads packages/features/src and an edit is seen after a kernel
restart, or at once with `%load_ext autoreload` + `%autoreload 2`), then registers the
exported interpreter as a kernel for your user. Re-run it after a lockfile change.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

from brickyard_dev.errors import DevError
from brickyard_dev.workspace import Workspace

HELP = "register the python-default resolve as the Jupyter kernel (./pants export)"
RESOLVE = "python-default"
EXPORT_DIR = f"dist/export/python/virtualenvs/{RESOLVE}"
KERNEL_NAME = "brickyard"
DISPLAY_NAME = "Brickyard (workspace)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", default=KERNEL_NAME, help=f"kernel name (default: {KERNEL_NAME})")


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    python = make_kernel(workspace, args.name)
    print(f"kernel: {DISPLAY_NAME!r} ({args.name}) runs {python.relative_to(workspace.root)}")
    return 0


def exported_python(root: Path) -> Path | None:
    """The interpreter of the exported resolve, if it has been exported."""
    found = sorted((root / EXPORT_DIR).glob("*/bin/python"))
    return found[0] if found else None


def make_kernel(workspace: Workspace, name: str) -> Path:
    """Export the resolve afresh, then register its interpreter as kernel `name`."""
    # A stale export of another Python version would otherwise be found first.
    shutil.rmtree(workspace.root / EXPORT_DIR, ignore_errors=True)
    workspace.run_pants(["export", f"--resolve={RESOLVE}"])
    python = exported_python(workspace.root)
    if python is None:
        raise DevError(
            f"`./pants export --resolve={RESOLVE}` wrote no interpreter under {EXPORT_DIR}"
        )
    install = [str(python), "-m", "ipykernel", "install", "--user", "--name", name]
    completed = subprocess.run(
        [*install, "--display-name", DISPLAY_NAME], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise DevError(f"registering the kernel failed:\n{completed.stderr.strip()}")
    print(completed.stdout.strip() or completed.stderr.strip())
    return python
