"""`conda develop` on a real environment and a real Jupyter kernel.

The environment is a venv that sees this test's own third-party packages (ipykernel among
them), as one made by `conda-lock install` sees conda-lock.yml's; the workspace is a scratch
one with a library `alerts`.
"""

from __future__ import annotations

import json
import site
import subprocess
import sys
from pathlib import Path

import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from brickyard_dev.cli import main

LIBRARY = "packages/alerts/src/brickyard/alerts/__init__.py"


@pytest.fixture
def environment(tmp_path: Path) -> Path:
    prefix = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True)
    (purelib,) = prefix.glob("lib/python*/site-packages")
    (purelib / "test-packages.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return prefix


@pytest.fixture(autouse=True)
def private_jupyter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


def _write(root: Path, relative: str, text: str) -> None:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(text)


def _kernel_prints(kernel_name: str, code: str) -> str:
    notebook = new_notebook(cells=[new_code_cell(code)])
    NotebookClient(notebook, kernel_name=kernel_name, timeout=120).execute()
    return "".join(output.get("text", "") for output in notebook.cells[0].outputs)


def test_the_environment_imports_the_workspace_live_from_a_registered_kernel(
    scratch_workspace: Path, environment: Path, tmp_path: Path
) -> None:
    _write(scratch_workspace, LIBRARY, "ANSWER = 42\n")

    argv = ["--root", str(scratch_workspace), "conda", "develop", "--prefix", str(environment)]
    assert main(argv) == 0

    (pth,) = environment.glob("lib/python*/site-packages/brickyard-workspace.pth")
    assert pth.read_text() == f"{scratch_workspace / 'packages/alerts/src'}\n"
    spec = json.loads((tmp_path / "jupyter-data/kernels/brickyard-conda/kernel.json").read_text())
    assert spec["argv"][0] == str(environment / "bin/python")
    assert spec["display_name"] == "Brickyard (conda: env)"
    code = "import brickyard.alerts\nprint(brickyard.alerts.ANSWER, brickyard.alerts.__file__)"
    assert _kernel_prints("brickyard-conda", code) == f"42 {scratch_workspace / LIBRARY}\n"
    # Live: an edit in the checkout is what the next kernel imports, with no reinstall.
    _write(scratch_workspace, LIBRARY, "ANSWER = 43\n")
    assert _kernel_prints("brickyard-conda", code).startswith("43 ")


def test_a_library_the_environment_cannot_import_is_named(
    scratch_workspace: Path, environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(scratch_workspace, LIBRARY, "import a_package_conda_lock_did_not_install\n")

    argv = ["--root", str(scratch_workspace), "conda", "develop", "--prefix", str(environment)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "the environment cannot import every library" in err
    assert "No module named 'a_package_conda_lock_did_not_install'" in err


def test_a_prefix_that_is_no_environment_is_refused(
    scratch_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--root", str(scratch_workspace), "conda", "develop", "--prefix", str(tmp_path)]
    assert main(argv) == 1
    assert "has no bin/python, so it is no conda environment" in capsys.readouterr().err
