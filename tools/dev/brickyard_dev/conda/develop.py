"""`conda develop`: a conda environment that imports the workspace libraries live.

`conda-lock install` brings every third-party package the libraries need (conda-lock.yml
pins what lockfiles/python-default.lock pins) but not the libraries themselves, which are
built by Pants and have no setup.py to `pip install -e`. A path configuration file
(`brickyard-workspace.pth`, read by Python's `site` module at start-up, the mechanism
editable installs and conda-build's `conda develop` use) in the environment's
site-packages lists each library's source root, packages/<name>/src, so `import
brickyard.features` reads the checkout: an edit is seen after a kernel restart. The
environment is then registered as a Jupyter kernel for your user.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from brickyard.core import write_file
from brickyard_dev.errors import DevError
from brickyard_dev.kernel import register_kernel
from brickyard_dev.workspace import Workspace

PTH_NAME = "brickyard-workspace.pth"
KERNEL_NAME = "brickyard-conda"


def environment_python(prefix: Path) -> Path:
    python = prefix / "bin" / "python"
    if not python.exists():
        raise DevError(
            f"{prefix} has no bin/python, so it is no conda environment: create one with"
            " `conda-lock install -n brickyard conda-lock.yml`, activate it, and pass"
            ' --prefix "$CONDA_PREFIX"'
        )
    return python


def _run(python: Path, code: str) -> subprocess.CompletedProcess[str]:
    # -I: nothing from the caller's PYTHONPATH or working directory may make an import work.
    return subprocess.run(
        [str(python), "-I", "-c", code], capture_output=True, text=True, check=False
    )


def site_packages(python: Path) -> Path:
    completed = _run(python, "import sysconfig; print(sysconfig.get_path('purelib'))")
    if completed.returncode != 0:
        raise DevError(f"{python} does not run: {completed.stderr.strip()}")
    return Path(completed.stdout.strip())


def source_roots(root: Path) -> list[Path]:
    """Each library's source root (the `/packages/*/src` pattern of pants.toml's [source])."""
    return sorted(path for path in root.glob("packages/*/src") if path.is_dir())


def develop(workspace: Workspace, prefix: Path, kernel_name: str) -> Path:
    """Writes the .pth file into the environment at `prefix`, checks that every library
    imports there, and registers the environment as kernel `kernel_name`; returns the file."""
    python = environment_python(prefix)
    roots = source_roots(workspace.root)
    if not roots:
        raise DevError(f"no packages/*/src under {workspace.root}: not a Brickyard checkout")
    pth = site_packages(python) / PTH_NAME
    write_file(pth, "".join(f"{root}\n" for root in roots))
    modules = [f"{workspace.namespace}.{root.parent.name}" for root in roots]
    completed = _run(python, f"import importlib\nfor m in {modules!r}: importlib.import_module(m)")
    if completed.returncode != 0:
        error = completed.stderr.strip().splitlines()[-1]
        raise DevError(
            f"wrote {pth}, but the environment cannot import every library: {error}. Is it"
            " the environment of conda-lock.yml, up to date? (`conda-lock install` again)"
        )
    register_kernel(python, kernel_name, f"Brickyard (conda: {prefix.name})")
    return pth
