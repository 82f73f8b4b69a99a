"""Reading the code cells of a notebook without Jupyter (Pants' own interpreter runs this)."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator

# IPython syntax that is not Python: line magics, shell escapes, cell magics, help.
_IPYTHON_PREFIXES = ("%", "!", "?")


class NotebookFormatError(ValueError):
    pass


def code_cells(content: bytes, path: str) -> list[str]:
    """The source of each code cell, in order."""
    try:
        notebook = json.loads(content)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError) as e:
        raise NotebookFormatError(f"{path} is not a Jupyter notebook (nbformat 4): {e}") from e
    sources = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        sources.append("".join(source) if isinstance(source, list) else source)
    return sources


def python_lines(cell_source: str) -> str:
    """The cell with IPython-only lines blanked, so `ast` can parse the rest."""
    if cell_source.lstrip().startswith("%%"):
        return ""
    return "\n".join(
        "" if line.lstrip().startswith(_IPYTHON_PREFIXES) else line
        for line in cell_source.splitlines()
    )


def imported_modules(content: bytes, path: str) -> Iterator[str]:
    """Absolute module names the notebook imports (`from a.b import c` yields `a.b.c`, whose
    owner Pants resolves to `a.b` when `c` is not a module)."""
    for number, source in enumerate(code_cells(content, path), start=1):
        try:
            tree = ast.parse(python_lines(source))
        except SyntaxError as e:
            raise NotebookFormatError(
                f"{path}: code cell {number} is not valid Python (line {e.lineno}): {e.msg}"
            ) from e
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield node.module
                yield from (f"{node.module}.{alias.name}" for alias in node.names)
