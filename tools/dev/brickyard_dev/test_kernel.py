from __future__ import annotations

import stat
from pathlib import Path

import pytest

from brickyard_dev.cli import main
from brickyard_dev.kernel import EXPORT_DIR, exported_python
from brickyard_dev.lab import lab_command


def _executable(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A repository whose ./pants `export` writes an interpreter that records its arguments."""
    (tmp_path / "pants.toml").touch()
    log = tmp_path / "calls.log"
    python = f"{EXPORT_DIR}/3.11.9/bin/python"
    _executable(
        tmp_path / "pants",
        f'echo "pants $*" >> {log}\nmkdir -p {Path(python).parent}\n'
        f"printf '#!/bin/sh\\necho \"python $*\" >> {log}\\n' > {python}\nchmod +x {python}",
    )
    return tmp_path


def test_kernel_exports_afresh_and_registers_the_exported_interpreter(root: Path) -> None:
    stale = root / EXPORT_DIR / "3.10.0/bin/python"
    _executable(stale, "exit 1")

    assert main(["--root", str(root), "kernel"]) == 0

    assert not stale.exists()
    assert (root / "calls.log").read_text().splitlines() == [
        "pants --no-pantsd export --resolve=python-default",
        "python -m ipykernel install --user --name brickyard --display-name Brickyard (workspace)",
    ]
    # Editors name the environment without its Python version.
    current = root / EXPORT_DIR / "current"
    assert current.is_symlink() and current.resolve() == (root / EXPORT_DIR / "3.11.9").resolve()
    assert exported_python(root) == current / "bin/python"


def test_a_failed_export_is_reported(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _executable(root / "pants", 'echo "no such resolve" >&2; exit 1')
    assert main(["--root", str(root), "kernel"]) == 1
    assert "`./pants export --resolve=python-default` failed:\nno such resolve" in (
        capsys.readouterr().err
    )


def test_lab_serves_notebooks_on_localhost_only() -> None:
    python = Path("/repo") / EXPORT_DIR / "3.11.9/bin/python"
    command = lab_command(python, ["--port", "8899"], as_root=False)
    assert command == [
        f"/repo/{EXPORT_DIR}/3.11.9/bin/jupyter",
        "lab",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.root_dir=notebooks",
        "--port",
        "8899",
    ]
    assert "--allow-root" in lab_command(python, [], as_root=True)
