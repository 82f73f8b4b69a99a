"""promote NOTEBOOK --to LIBRARY --module NAME

Moves the notebook cells marked `#| export` (imports, functions, classes, UPPER_CASE
constants) into packages/LIBRARY/src/<namespace>/LIBRARY/NAME.py, turns the cells marked
`#| test` into packages/LIBRARY/tests/<namespace>/LIBRARY/test_NAME.py (without test cells,
a test that fails until you write one), and replaces the exported cells with an import, so
the notebook keeps running against the library. The three files are written together or
not at all.

It refuses, changing nothing, code it cannot move safely: statements that are not
definitions, names taken from other notebook cells, magics, imports the library's layer
forbids, and targets that already exist.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import keyword
import re
import symtable
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from brickyard.core import atomic_files
from brickyard_dev.errors import DevError
from brickyard_dev.workspace import Workspace

HELP = "move a notebook's `#| export` cells into a library, `#| test` cells into tests"
EXPORT_MARKER = "#| export"
TEST_MARKER = "#| test"
_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__"}
_MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--to", required=True, metavar="LIBRARY", dest="library")
    parser.add_argument("--module", required=True, metavar="NAME")


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    done = promote(workspace, args.notebook, args.library, args.module)
    print(f"promote: promoted {', '.join(done.exported_names)}")
    for path in (done.module_path, done.test_path, done.notebook_path):
        print(f"  wrote {path.relative_to(workspace.root)}")
    print(f"next: ./pants fmt lint check test packages/{args.library}:: {args.notebook}")
    return 0


@dataclass(frozen=True)
class MarkedCell:
    index: int  # position among all cells, 0-based
    source: str  # without the marker line
    tree: ast.Module

    @property
    def label(self) -> str:
        return f"cell {self.index + 1}"


@dataclass(frozen=True)
class Promotion:
    module_path: Path
    test_path: Path
    notebook_path: Path
    exported_names: tuple[str, ...]
    test_count: int


def _marked_cells(notebook: nbformat.NotebookNode, marker: str, path: Path) -> list[MarkedCell]:
    cells = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        first, _, rest = cell.source.partition("\n")
        if first.strip() != marker:
            continue
        try:
            tree = ast.parse(rest)
        except SyntaxError as e:
            raise DevError(
                f"{path}: cell {index + 1} is not plain Python (line {(e.lineno or 0) + 1}:"
                f" {e.msg}); IPython magics and shell escapes cannot move into a library"
            ) from e
        cells.append(MarkedCell(index, rest, tree))
    return cells


def _is_constant(node: ast.stmt) -> bool:
    if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
        return False
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not all(isinstance(t, ast.Name) and t.id.isupper() for t in targets):
        return False
    try:
        ast.literal_eval(node.value)
    except ValueError:
        return False
    return True


def _check_definitions_only(cell: MarkedCell, path: Path) -> None:
    for node in cell.tree.body:
        if isinstance(
            node,
            ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
        ) or _is_constant(node):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring or stray string literal
        statement = ast.get_source_segment(cell.source, node) or type(node).__name__
        raise DevError(
            f"{path}: {cell.label}, line {node.lineno + 1}: `{statement.splitlines()[0]}` is not"
            " a definition; only imports, functions, classes and UPPER_CASE constants can move"
            " into a library. Move it to another cell."
        )


def _bound_names(statements: Iterable[ast.stmt]) -> set[str]:
    """Names the top-level statements bind (imports, definitions, assignments)."""
    names: set[str] = set()
    for node in statements:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _imports(cells: Sequence[MarkedCell]) -> list[tuple[ast.stmt, str]]:
    """Each import statement of the cells, with its source text."""
    return [
        (node, ast.get_source_segment(cell.source, node) or "")
        for cell in cells
        for node in cell.tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def _free_names(source: str, label: str) -> Iterator[tuple[str, str]]:
    """(where, name) for every name the code reads but does not bind itself: at top level
    (decorators, defaults, test statements) and inside every function, class or lambda."""
    module = symtable.symtable(source, label, "exec")
    for symbol in module.get_symbols():
        if symbol.is_referenced() and not (
            symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace()
        ):
            yield "the cell", symbol.get_name()

    def walk(table: symtable.SymbolTable) -> Iterator[tuple[str, str]]:
        for child in table.get_children():
            for symbol in child.get_symbols():
                if symbol.is_referenced() and symbol.is_global():
                    yield f"`{child.get_name()}`", symbol.get_name()
            yield from walk(child)

    yield from walk(module)


def _notebook_globals(notebook: nbformat.NotebookNode, skip: set[int]) -> dict[str, int]:
    """Names bound at top level by the other code cells, with the cell that binds them."""
    bound: dict[str, int] = {}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or index in skip:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # magics: they bind nothing we could move anyway
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.setdefault(node.id, index)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                bound.setdefault(node.name, index)
            elif isinstance(node, ast.alias):
                bound.setdefault(node.asname or node.name.split(".")[0], index)
    return bound


def _check_self_contained(
    cells: Sequence[MarkedCell], available: set[str], notebook: nbformat.NotebookNode, path: Path
) -> None:
    elsewhere = _notebook_globals(notebook, {cell.index for cell in cells})
    for cell in cells:
        for where, name in _free_names(cell.source, cell.label):
            if name in available or name in _BUILTINS:
                continue
            if name in elsewhere:
                origin = f"a notebook global defined in cell {elsewhere[name] + 1}"
            else:
                origin = "defined nowhere in the marked cells"
            raise DevError(
                f"{path}: {cell.label}: {where} uses `{name}`, {origin}. A library cannot see"
                f" notebook globals: pass `{name}` as a parameter or define or import it in a"
                f" `{EXPORT_MARKER}` cell."
            )


def _check_layering(
    cells: Sequence[MarkedCell], library: str, layers: Sequence[str], namespace: str, path: Path
) -> None:
    allowed = set(layers[: layers.index(library) + 1])
    for cell in cells:
        for node in ast.walk(cell.tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            for module in modules:
                parts = module.split(".")
                if parts[0] == namespace and len(parts) > 1 and parts[1] not in allowed:
                    raise DevError(
                        f"{path}: {cell.label} imports `{module}`, but `{library}` sits below"
                        f" `{parts[1]}` in the layering (root BUILD: {' < '.join(layers)});"
                        f" promote into `{parts[1]}` or a library above it instead."
                    )


def _module_source(cells: Sequence[MarkedCell], notebook_path: Path) -> str:
    body = "\n\n\n".join(cell.source.strip("\n") for cell in cells)
    return (
        f'"""Promoted from {notebook_path.as_posix()}; say here what this module holds."""\n\n'
        f"from __future__ import annotations\n\n{body}\n"
    )


def _test_source(
    tests: Sequence[MarkedCell],
    exports: Sequence[MarkedCell],
    namespace: str,
    library: str,
    module: str,
    names: Sequence[str],
    notebook: Path,
) -> str:
    read_by_tests = {name for cell in tests for _, name in _free_names(cell.source, cell.label)}
    needed = [text for node, text in _imports(exports) if _bound_names([node]) & read_by_tests]
    # Third-party imports first, then ours, as the house import order wants.
    imports = "\n\n".join(
        part
        for part in (
            "\n".join(needed),
            f"from {namespace}.{library}.{module} import {', '.join(names)}",
        )
        if part
    )
    cases = []
    for number, cell in enumerate(tests, start=1):
        body = "\n".join(
            f"    {line}" if line else "" for line in cell.source.strip("\n").split("\n")
        )
        cases.append(
            f"def test_{module}_{number}() -> None:\n    # From {notebook.as_posix()}, {cell.label}.\n{body}\n"
        )
    if not cases:
        missing = ", ".join(names)
        cases.append(
            "def test_needs_writing() -> None:\n"
            f'    pytest.fail("write tests for {missing}: the notebook had no `{TEST_MARKER}` cell")\n'
        )
        imports = f"import pytest\n\n{imports}"
    return f'"""Tests of {namespace}.{library}.{module}."""\n\n{imports}\n\n\n' + "\n\n".join(cases)


def promote(workspace: Workspace, notebook_path: Path, library: str, module: str) -> Promotion:
    """Check everything first, then write the module, its tests and the notebook."""
    if not _MODULE_NAME.match(module) or keyword.iskeyword(module):
        raise DevError(f"--module {module!r}: use a lowercase Python identifier")
    root, namespace = workspace.root, workspace.namespace
    layers = workspace.layering.layers
    if library not in layers:
        raise DevError(f"--to {library!r}: not a library; choose one of {', '.join(layers)}")
    absolute = notebook_path if notebook_path.is_absolute() else root / notebook_path
    shown = absolute.relative_to(root) if absolute.is_relative_to(root) else absolute
    if not absolute.is_file():
        raise DevError(f"{shown}: no such notebook")
    notebook = nbformat.read(absolute, as_version=4)

    exports = _marked_cells(notebook, EXPORT_MARKER, shown)
    tests = _marked_cells(notebook, TEST_MARKER, shown)
    if not exports:
        raise DevError(f"{shown}: no cell starts with `{EXPORT_MARKER}`; mark the cells to move")
    for cell in exports:
        _check_definitions_only(cell, shown)
    exported = _bound_names(node for cell in exports for node in cell.tree.body)
    _check_self_contained([*exports, *tests], exported, notebook, shown)
    _check_layering(exports, library, layers, namespace, shown)

    package = root / "packages" / library
    module_path = package / "src" / namespace / library / f"{module}.py"
    test_path = package / "tests" / namespace / library / f"test_{module}.py"
    for path in (module_path, test_path):
        if path.exists():
            raise DevError(f"{path.relative_to(root)} already exists; choose another --module")

    public = tuple(
        node.name
        for cell in exports
        for node in cell.tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
    )
    if not public:
        raise DevError(f"{shown}: the `{EXPORT_MARKER}` cells define no public function or class")
    # The replacement cell keeps the cells' imports: later cells may use them too.
    kept_imports = [text for _, text in _imports(exports)]
    replacement = "\n".join(
        [
            f"# Promoted to {module_path.relative_to(root).as_posix()}: edit it there.",
            *kept_imports,
            f"from {namespace}.{library}.{module} import {', '.join(public)}",
        ]
    )
    notebook.cells[exports[0].index].source = replacement
    for cell in reversed(exports[1:]):
        del notebook.cells[cell.index]
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.partition("\n")[0].strip() == TEST_MARKER:
            cell.source = cell.source.partition("\n")[2]

    test_source = _test_source(tests, exports, namespace, library, module, public, shown)
    with atomic_files() as stage:
        stage(module_path, _module_source(exports, shown))
        stage(test_path, test_source)
        stage(absolute, nbformat.writes(notebook) + "\n", mode=absolute.stat().st_mode & 0o7777)
    return Promotion(module_path, test_path, absolute, public, len(tests))
