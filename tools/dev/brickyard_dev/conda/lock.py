"""Running the real `conda-lock lock` offline, its conda solve done by the labelled stand-in.

conda-lock writes conda-lock.yml itself: it reads the spec, computes the content hash,
asks its "conda" for the conda side (here standin_solver over a repodata-only mirror of the
conda-forge records), solves the pip side with its vendored Poetry against the spec's
pip index, and renders the file. Nothing here edits its output.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from brickyard_dev.conda import standin_solver
from brickyard_dev.conda.records import Records, write_channel
from brickyard_dev.errors import DevError

STANDIN_NAME = "brickyard-rattler-standin"


def write_standin(directory: Path) -> Path:
    """An executable that runs standin_solver with this interpreter and import path."""
    directory.mkdir(parents=True, exist_ok=True)
    exe = directory / STANDIN_NAME
    exe.write_text(
        "#!/bin/sh\n"
        "# STAND-IN for conda (not conda/mamba/micromamba): py-rattler over local repodata.\n"
        f'exec "{sys.executable}" "{standin_solver.__file__}" "$@"\n'
    )
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe


def child_environment(channels: Path) -> dict[str, str]:
    """Our environment plus this process' import path (conda-lock, rattler, this package)."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        standin_solver.CHANNELS_VARIABLE: str(channels),
    }


def conda_lock(
    args: Sequence[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The conda-lock CLI (`python -m conda_lock ...`), output captured."""
    return subprocess.run(
        [sys.executable, "-m", "conda_lock", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def lock(spec: Path, lockfile: Path, records: Records, work: Path, root: Path) -> str:
    """`conda-lock lock -f spec --lockfile lockfile`, solved offline; returns its output."""
    channels = work / "channels"
    write_channel(records, channels)
    exe = write_standin(work / "bin")
    # conda-lock maps conda names to PyPI names (to see which pip requirements the conda side
    # already satisfies) through a table it would fetch from GitHub; ours lists the conda
    # side's Python packages, whose conda and PyPI names are the same.
    mapping = work / "pypi-to-conda.json"
    python_packages = sorted(
        {
            r.name
            for recs in records.by_platform.values()
            for r in recs
            if "python" in r.dependencies
        }
    )
    mapping.write_text(
        json.dumps(
            {n: {"conda_name": n, "conda_forge": n, "pypi_name": n} for n in python_packages}
        )
    )
    result = conda_lock(
        [
            "lock",
            "--conda",
            str(exe),
            "--file",
            str(spec.relative_to(root)),
            "--lockfile",
            str(lockfile.relative_to(root)),
            "--pypi_to_conda_lookup_file",
            str(mapping),
        ],
        env=child_environment(channels),
        cwd=root,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise DevError(f"conda-lock lock failed (exit {result.returncode}):\n{output}")
    return output
