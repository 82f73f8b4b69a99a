"""lab [-- JUPYTER_ARGS...]

Starts JupyterLab on notebooks/ with the workspace kernel (made first if it is missing),
listening on 127.0.0.1 only: the server runs code as you, so it is never exposed on the
network. Arguments after `--` go to `jupyter lab` (e.g. `-- --port 8899`).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from brickyard_dev.kernel import KERNEL_NAME, exported_python, make_kernel
from brickyard_dev.workspace import Workspace

HELP = "start JupyterLab on notebooks/ (127.0.0.1) with the workspace kernel"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("jupyter_args", nargs="*", metavar="JUPYTER_ARGS")


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    python = exported_python(workspace.root) or make_kernel(workspace, KERNEL_NAME)
    command = lab_command(python, args.jupyter_args, as_root=os.getuid() == 0)
    os.chdir(workspace.root)
    os.execv(command[0], command)


def lab_command(python: Path, extra: Sequence[str], *, as_root: bool) -> list[str]:
    """`jupyter lab` of the exported environment, bound to 127.0.0.1, serving notebooks/."""
    return [
        str(python.parent / "jupyter"),
        "lab",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.root_dir=notebooks",
        # Dev containers often run as root; Jupyter refuses that unless told.
        *(["--allow-root"] if as_root else []),
        *extra,
    ]
