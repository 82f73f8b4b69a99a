"""The Python each code cell of a notebook runs, as IPython itself turns the cell into Python.

Jupyter accepts IPython syntax in any cell (`df?`, `files = !ls`, `%matplotlib inline`,
`%%time` cells), so only IPython's own transformer (`TransformerManager.transform_cell`,
what the kernel runs before executing a cell) can say which Python a cell is. Pants runs
this script as a process in the notebook's own environment (its resolve brings IPython)
and reads the imports from what it prints with its own parser, the one it uses for `.py`
files.

A magic that runs Python (`%%time`, `%timeit stmt`, `%%capture`...) gets its code as a
string argument; that code is transformed too and listed as a source of its own, so the
imports inside it count. Every source is line-aligned with its cell (line k of a source is
line k of the cell), so an import is reported at its line in the notebook.

Usage: python notebook_python.py NOTEBOOK  ->  JSON on stdout:
[{"cell": 3, "code_cell": 2, "sources": ["import x\\n", ...]}, ...]
(`cell` counts every cell from 1, `code_cell` only code cells, as the notebook runner does).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterator

import nbformat

# IPython is no requirement of its own: ipykernel brings it (a dependency in the BUILD file).
from IPython.core.inputtransformer2 import TransformerManager  # pants: no-infer-dep

# Magics whose argument or body is Python run by the kernel itself.
PYTHON_MAGICS = frozenset({"time", "timeit", "prun", "capture", "debug"})
# The options these magics take before their code, e.g. `%timeit -n 10 -r 3 f()`.
_MAGIC_OPTIONS = re.compile(r"^(?:\s*-\w+(?:\s+\d+)?)*\s*")
_TRANSFORMER = TransformerManager()  # type: ignore[no-untyped-call]  # IPython has no hints here


def cell_python(source: str) -> list[str]:
    """The Python sources of one cell: the cell as IPython runs it, then the code of each
    magic in it that runs Python; each line-aligned with the cell."""
    lines = source.splitlines(keepends=True)
    # IPython drops leading blank lines; putting them back keeps the line numbers right.
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    python = "\n" * blank + _TRANSFORMER.transform_cell("".join(lines[blank:]))
    sources = [python]
    for line_offset, code in _magic_code(python):
        sources += ["\n" * line_offset + inner for inner in cell_python(code)]
    return sources


def _magic_code(python: str) -> Iterator[tuple[int, str]]:
    """(lines before it in the cell, code) for each Python-running magic call in `python`."""
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return  # the cell does not run either; its imports are read as far as they parse
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        call = _magic_call(node)
        if call is None:
            continue
        kind, name, arguments = call
        if name not in PYTHON_MAGICS:
            continue
        # `%timeit STMT`, `%%timeit SETUP`, `%%capture NAME`: code on the magic's own line.
        line_code = _MAGIC_OPTIONS.sub("", arguments[0], count=1)
        if line_code.strip():
            yield node.lineno - 1, line_code
        if kind == "run_cell_magic":
            yield node.lineno, arguments[1]  # the body starts on the line after the magic


def _magic_call(node: ast.Call) -> tuple[str, str, list[str]] | None:
    """`get_ipython().run_line_magic(name, line)` or `.run_cell_magic(name, line, body)`
    with literal arguments, as (method, name, [line, body])."""
    if not (
        isinstance(node.func, ast.Attribute)
        and node.func.attr in ("run_line_magic", "run_cell_magic")
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "get_ipython"
    ):
        return None
    literals = [
        arg.value
        for arg in node.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]
    if len(literals) < 2 or len(literals) != len(node.args):
        return None
    name, *arguments = literals
    return node.func.attr, name, arguments


def notebook_python(path: str) -> list[dict[str, object]]:
    notebook = nbformat.read(path, as_version=4)
    cells = []
    code_number = 0
    for index, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        code_number += 1
        cells.append({"cell": index, "code_cell": code_number, "sources": cell_python(cell.source)})
    return cells


def main() -> int:
    (path,) = sys.argv[1:]
    try:
        cells = notebook_python(path)
    except (OSError, ValueError) as error:  # nbformat's validation errors are ValueErrors
        print(f"{path} is not a readable Jupyter notebook: {error}", file=sys.stderr)
        return 1
    json.dump(cells, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
