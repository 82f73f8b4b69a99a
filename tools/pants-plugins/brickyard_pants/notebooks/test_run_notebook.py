"""The notebook executor on real kernels: what a passing and a failing notebook report."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from brickyard_pants.notebooks import run_notebook


@pytest.fixture(autouse=True)
def private_jupyter_dirs(tmp_path: Path) -> None:
    run_notebook._private_jupyter_dirs(tmp_path)


def write(path: Path, *cells: str) -> str:
    notebook = new_notebook(
        cells=[new_markdown_cell("# title")] + [new_code_cell(source) for source in cells]
    )
    nbformat.write(notebook, path)
    return str(path)


def test_a_passing_notebook_runs_every_cell_in_its_own_directory(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("42")
    path = write(
        tmp_path / "ok.ipynb",
        "from pathlib import Path\nvalue = int(Path('data.txt').read_text())",
        "%time assert value == 42",
    )
    assert run_notebook.execute(path, timeout=120) is None


def test_a_failing_cell_is_named_with_its_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "broken.ipynb",
        "x = 1",
        "\n# the second code cell\ny = x / 0",
        "never = 'reached'",
    )
    failure = run_notebook.execute(path, timeout=120)
    assert failure is not None
    first_line = failure.splitlines()[0]
    assert first_line == (
        f"{path}: cell 3 (code cell 2, starting '# the second code cell') failed:"
        " CellExecutionError"
    )
    assert "ZeroDivisionError" in failure
    assert "\x1b[" not in failure  # no terminal colour codes in reports


def test_the_timeout_bounds_the_whole_notebook_not_each_cell(tmp_path: Path) -> None:
    # Each cell alone is well within the timeout; all of them together are not.
    path = write(tmp_path / "slow.ipynb", *["import time\ntime.sleep(1.5)"] * 4)
    failure = run_notebook.execute(path, timeout=4)
    assert failure is not None
    assert "the notebook's timeout of 4 s" in failure


def test_junit_report_counts_one_case_per_notebook(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    run_notebook._junit(report, "notebooks/x.ipynb", 1.5, "x.ipynb: cell 2 failed\ndetail")
    suite = ElementTree.parse(report).getroot()
    (case,) = suite.iter("testcase")
    assert case.get("name") == "notebooks/x.ipynb"
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == "x.ipynb: cell 2 failed"
