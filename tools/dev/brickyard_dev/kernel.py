"""kernel [--name NAME]

Creates or refreshes the "Brickyard (workspace)" Jupyter kernel: exports the python-default
resolve with `./pants export` (every workspace library installed editable, so
`import brickyard.features` reads packages/features/src and an edit is seen after a kernel
restart, or at once with `%load_ext autoreload` + `%autoreload 2`), then registers the
exported interpreter as a kernel for your user. Re-run it after a lockfile change.

The export lands in dist/export/python/virtualenvs/python-default/<Python version>/; the link
`current` beside it names it without the version, for editors (.vscode/settings.json).
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
# The version-free name of the exported environment: a link to its <Python version> directory.
CURRENT = "current"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", default=KERNEL_NAME, help=f"kernel name (default: {KERNEL_NAME})")


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    python = make_kernel(workspace, args.name)
    print(f"kernel: {DISPLAY_NAME!r} ({args.name}) runs {python.relative_to(workspace.root)}")
    return 0


def exported_python(root: Path) -> Path | None:
    """The interpreter of the exported resolve, if it has been exported."""
    current = root / EXPORT_DIR / CURRENT / "bin/python"
    return current if current.exists() else None


def make_kernel(workspace: Workspace, name: str) -> Path:
    """Export the resolve afresh, then register its interpreter as kernel `name`."""
    # A stale export of another Python version would otherwise be found first.
    shutil.rmtree(workspace.root / EXPORT_DIR, ignore_errors=True)
    workspace.run_pants(["export", f"--resolve={RESOLVE}"])
    exported = sorted((workspace.root / EXPORT_DIR).glob("*/bin/python"))
    if len(exported) != 1:
        raise DevError(
            f"`./pants export --resolve={RESOLVE}` wrote {len(exported)} interpreters under"
            f" {EXPORT_DIR}, not one: {[str(p) for p in exported]}"
        )
    version_dir = exported[0].parent.parent
    (workspace.root / EXPORT_DIR / CURRENT).symlink_to(version_dir.name, target_is_directory=True)
    python = workspace.root / EXPORT_DIR / CURRENT / "bin/python"
    register_kernel(python, name, DISPLAY_NAME)
    return python


def register_kernel(python: Path, name: str, display_name: str) -> None:
    """Registers `python` (which must have ipykernel) as the Jupyter kernel `name` of this user."""
    install = [str(python), "-m", "ipykernel", "install", "--user", "--name", name]
    completed = subprocess.run(
        [*install, "--display-name", display_name], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise DevError(f"registering the kernel {name!r} failed:\n{completed.stderr.strip()}")
    print(completed.stdout.strip() or completed.stderr.strip())
