"""The Python of notebook cells, read with the IPython the notebooks run on."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from brickyard_pants.notebooks.notebook_python import cell_python

SCRIPT = Path(__file__).with_name("notebook_python.py")


def imports(sources: list[str]) -> dict[str, int]:
    """Each imported module and its line; every source must be valid Python."""
    found: dict[str, int] = {}
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                found.update((alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found[node.module] = node.lineno
    return found


def test_ipython_syntax_on_any_line_becomes_python_and_keeps_the_line_numbers() -> None:
    cell = "\n".join(
        [
            "import pandas as pd",
            "df = pd.DataFrame()",
            "df?",
            "files = !ls",
            "%matplotlib inline",
            "pd.read_csv??",
            "from pathlib import Path",
            "for name in files:",
            "    !echo {name}",
        ]
    )
    assert imports(cell_python(cell)) == {"pandas": 1, "pathlib": 7}


def test_imports_inside_python_running_magics_count_at_their_line_in_the_cell() -> None:
    assert imports(cell_python("\n%%time\nimport numpy as np\nx = np.ones(3)")) == {"numpy": 3}
    assert imports(cell_python("x = 1\n%timeit -n 10 -r 2 import json")) == {"json": 2}
    nested = "%%capture output\n%%time\nimport zstandard\nfiles = !ls"
    assert imports(cell_python(nested)) == {"zstandard": 3}
    setup_and_body = "%%timeit import duckdb\nimport polars"
    assert imports(cell_python(setup_and_body)) == {"duckdb": 1, "polars": 2}


def test_cell_magics_of_other_languages_import_nothing() -> None:
    assert imports(cell_python("%%bash\nimport not_python")) == {}
    assert imports(cell_python("%%writefile notes.py\nimport written_not_run")) == {}


def test_the_script_numbers_cells_as_the_notebook_runner_does(tmp_path: Path) -> None:
    path = tmp_path / "n.ipynb"
    nbformat.write(
        new_notebook(
            cells=[
                new_markdown_cell("# title"),
                new_code_cell("import os"),
                new_markdown_cell("text"),
                new_code_cell("%%time\nimport sys"),
            ]
        ),
        path,
    )
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, check=True
    )
    cells = json.loads(completed.stdout)
    assert [(c["cell"], c["code_cell"], imports(c["sources"])) for c in cells] == [
        (2, 1, {"os": 1}),
        (4, 2, {"sys": 2}),
    ]


def test_the_script_names_a_file_that_is_not_a_notebook(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 1
    assert f"{path} is not a readable Jupyter notebook" in completed.stderr
