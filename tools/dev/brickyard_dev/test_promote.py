"""Promotion on a scratch workspace: what moves, what the notebook becomes, what is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from brickyard_dev.cli import main
from brickyard_dev.conftest import fake_pants
from brickyard_dev.errors import DevError
from brickyard_dev.promote import Promotion
from brickyard_dev.promote import promote as promote_into
from brickyard_dev.workspace import Workspace

EXPORT = """#| export
import math

SCALE = 2.0


def scaled_hypot(a: float, b: float) -> float:
    \"\"\"The hypotenuse, scaled.\"\"\"
    return SCALE * math.hypot(a, b)
"""
TEST = """#| test
assert scaled_hypot(3, 4) == 10.0
assert math.isclose(scaled_hypot(1, 1), 2 * math.sqrt(2))
"""


@pytest.fixture
def workspace(scratch_workspace: Path) -> Path:
    for library in ("ingest", "features", "models"):
        (scratch_workspace / "packages" / library / "src" / "brickyard" / library).mkdir(
            parents=True
        )
    (scratch_workspace / "notebooks").mkdir()
    return scratch_workspace


def promote(root: Path, notebook: Path, library: str, module: str) -> Promotion:
    return promote_into(Workspace.at(root, fake_pants({})), notebook, library, module)


def write_notebook(root: Path, *cells: str) -> Path:
    notebook = new_notebook(
        cells=[new_markdown_cell("# scratch")] + [new_code_cell(source) for source in cells]
    )
    path = root / "notebooks" / "01-scratch.ipynb"
    nbformat.write(notebook, path)
    return path


def run_notebook_cells(root: Path, path: Path) -> dict[str, object]:
    """Executes the code cells in order, as a kernel would, with the libraries importable."""
    namespace: dict[str, object] = {}
    sys.path.insert(0, str(root / "packages" / "features" / "src"))
    try:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                exec(compile(cell.source, str(path), "exec"), namespace)
    finally:
        sys.path.remove(str(root / "packages" / "features" / "src"))
        for name in [m for m in sys.modules if m.startswith("brickyard.features")]:
            del sys.modules[name]
    return namespace


def test_moves_definitions_and_tests_and_keeps_the_notebook_running(workspace: Path) -> None:
    path = write_notebook(
        workspace, "x = 1.5", EXPORT, TEST, "result = scaled_hypot(x, 2.0)\nassert result > 0"
    )
    done = promote(workspace, Path("notebooks/01-scratch.ipynb"), "features", "geometry")

    assert done.exported_names == ("scaled_hypot",)
    module = (workspace / "packages/features/src/brickyard/features/geometry.py").read_text()
    assert "SCALE = 2.0" in module and "def scaled_hypot" in module and "import math" in module
    test_file = workspace / "packages/features/tests/brickyard/features/test_geometry.py"
    assert "from brickyard.features.geometry import scaled_hypot" in test_file.read_text()

    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert cells[1].splitlines()[1:] == [
        "import math",
        "from brickyard.features.geometry import scaled_hypot",
    ]
    assert not any(source.startswith("#|") for source in cells)
    assert "def scaled_hypot" not in "".join(cells)
    assert run_notebook_cells(workspace, path)["result"] == pytest.approx(5.0)

    # The generated test runs and passes against the promoted module.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        env={"PYTHONPATH": str(workspace / "packages/features/src")},
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "1 passed" in tests.stdout


def test_without_test_cells_the_skeleton_fails_until_written(workspace: Path) -> None:
    write_notebook(workspace, EXPORT)
    promote(workspace, Path("notebooks/01-scratch.ipynb"), "features", "geometry")
    test_file = workspace / "packages/features/tests/brickyard/features/test_geometry.py"
    assert 'pytest.fail("write tests for scaled_hypot' in test_file.read_text()


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            ["rate = 0.1", "#| export\ndef grow(x):\n    return x * (1 + rate)\n"],
            "cell 3: `grow` uses `rate`, a notebook global defined in cell 2",
        ),
        (
            ["#| export\nimport math\nprint(math.pi)\n"],
            "cell 2, line 3: `print(math.pi)` is not a definition",
        ),
        (
            ["#| export\ndef f():\n    return undefined_thing\n"],
            "`f` uses `undefined_thing`, defined nowhere in the marked cells",
        ),
        (
            ["#| export\nfrom brickyard.models import train\n\ndef f():\n    return train\n"],
            "imports `brickyard.models`, but `features` sits below `models` in the layering",
        ),
        (["#| export\n%matplotlib inline\n"], "cell 2 is not plain Python"),
        (["x = 1"], "no cell starts with `#| export`"),
        (
            ["df = 1", "#| export\ndef f():\n    return 1\n", "#| test\nassert f() == df\n"],
            "cell 4: the cell uses `df`, a notebook global defined in cell 2",
        ),
    ],
)
def test_refuses_what_cannot_move_safely_and_changes_nothing(
    workspace: Path, cells: list[str], expected: str
) -> None:
    path = write_notebook(workspace, *cells)
    before = path.read_bytes()
    with pytest.raises(DevError, match=None) as refused:
        promote(workspace, Path("notebooks/01-scratch.ipynb"), "features", "geometry")
    assert expected in str(refused.value)
    assert "notebooks/01-scratch.ipynb" in str(refused.value)
    assert path.read_bytes() == before
    assert not (workspace / "packages/features/src/brickyard/features/geometry.py").exists()


def test_refuses_an_existing_module_unknown_library_and_bad_names(workspace: Path) -> None:
    write_notebook(workspace, EXPORT)
    existing = workspace / "packages/features/src/brickyard/features/geometry.py"
    existing.write_text("# someone's code\n")
    notebook = Path("notebooks/01-scratch.ipynb")
    with pytest.raises(DevError, match="geometry.py already exists"):
        promote(workspace, notebook, "features", "geometry")
    assert existing.read_text() == "# someone's code\n"
    with pytest.raises(DevError, match="'reports': not a library; choose one of core, ingest"):
        promote(workspace, notebook, "reports", "geometry")
    with pytest.raises(DevError, match="use a lowercase Python identifier"):
        promote(workspace, notebook, "features", "Geometry-2")


def test_cli_exit_codes(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_notebook(workspace, "#| export\ndef f():\n    return g\n")
    args = ["notebooks/01-scratch.ipynb", "--to", "features", "--module", "m"]
    assert main(["--root", str(workspace), "promote", *args]) == 1
    assert "dev promote: error: notebooks/01-scratch.ipynb: cell 2:" in capsys.readouterr().err
    write_notebook(workspace, EXPORT)
    assert main(["--root", str(workspace), "promote", *args]) == 0
    assert "wrote packages/features/src/brickyard/features/m.py" in capsys.readouterr().out
