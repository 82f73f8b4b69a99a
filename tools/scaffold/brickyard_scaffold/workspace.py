"""What the scaffold reads from the repository: the namespace, the layers and the names taken.

Everything comes from the files that define it (the macros' `_NAMESPACE`, the root BUILD's
layering call, the directories under packages/ and tools/), so the scaffold keeps working
after `tools/rename` gives the repository another namespace.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass
from pathlib import Path

from brickyard_scaffold.errors import ScaffoldError

MACROS = "tools/pants-plugins/macros.py"
ROOT_BUILD = "BUILD"
# Black's default line length: `./pants update-build-files` formats BUILD files with Black.
BUILD_LINE_LENGTH = 88
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Layering:
    """The `<namespace>_layering(layers=[...])` call in the root BUILD file."""

    function: str
    layers: tuple[str, ...]
    start: int  # character offsets of the whole call in the BUILD file
    end: int


@dataclass(frozen=True)
class Workspace:
    root: Path
    namespace: str
    layering: Layering
    libraries: frozenset[str]  # directories under packages/
    tools: frozenset[str]  # directories under tools/

    def distribution(self, name: str) -> str:
        return f"{self.namespace}-{name}"


def _offset(text: str, line: int, column: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(previous) for previous in lines[: line - 1]) + column


def read_namespace(root: Path) -> str:
    path = root / MACROS
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except FileNotFoundError:
        raise ScaffoldError(
            f"no {MACROS} under {root}: run the scaffold from the repository root"
        ) from None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["_NAMESPACE"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise ScaffoldError(
        f'{MACROS} has no `_NAMESPACE = "..."`; the scaffold reads the namespace from it'
    )


def read_layering(root: Path) -> Layering:
    path = root / ROOT_BUILD
    text = path.read_text()
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.endswith("_layering")
        ):
            layers = next((kw.value for kw in node.keywords if kw.arg == "layers"), None)
            if not isinstance(layers, ast.List) or not all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in layers.elts
            ):
                raise ScaffoldError(
                    f"{ROOT_BUILD}:{node.lineno}: {node.func.id}(...) needs layers=[...] as a list "
                    "of string literals for the scaffold to edit it"
                )
            assert node.end_lineno is not None and node.end_col_offset is not None
            return Layering(
                function=node.func.id,
                layers=tuple(e.value for e in layers.elts),  # type: ignore[attr-defined]
                start=_offset(text, node.lineno, node.col_offset),
                end=_offset(text, node.end_lineno, node.end_col_offset),
            )
    raise ScaffoldError(f"{ROOT_BUILD} has no `..._layering(layers=[...])` call")


def load_workspace(root: Path) -> Workspace:
    def subdirectories(path: Path) -> frozenset[str]:
        return (
            frozenset(p.name for p in path.iterdir() if p.is_dir())
            if path.is_dir()
            else frozenset()
        )

    return Workspace(
        root=root,
        namespace=read_namespace(root),
        layering=read_layering(root),
        libraries=subdirectories(root / "packages"),
        tools=subdirectories(root / "tools"),
    )


def check_name(workspace: Workspace, name: str) -> None:
    """Refuses a name that cannot be a library: each message says why and what to do."""
    if not NAME_PATTERN.fullmatch(name):
        raise ScaffoldError(
            f"invalid library name {name!r}: use lowercase letters, digits and underscores, "
            "starting with a letter (it becomes the import name "
            f"{workspace.namespace}.<name> and the distribution {workspace.namespace}-<name>)"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ScaffoldError(
            f"invalid library name {name!r}: it is a Python keyword, so "
            f"`import {workspace.namespace}.{name}` could not be written; choose another name"
        )
    if name in workspace.libraries:
        raise ScaffoldError(
            f"library {name!r} exists already (packages/{name}/, distribution "
            f"{workspace.distribution(name)}); choose another name"
        )
    if name in workspace.layering.layers:
        raise ScaffoldError(
            f"{name!r} is a layer in {ROOT_BUILD} already but has no packages/{name}/; "
            f"remove it from {workspace.layering.function}(layers=[...]) or choose another name"
        )
    if name in workspace.tools:
        raise ScaffoldError(
            f"{name!r} is taken by tools/{name}/ (also called {workspace.distribution(name)}); "
            "choose another name"
        )


def layering_call(function: str, layers: tuple[str, ...]) -> str:
    """The layering call as `./pants update-build-files` (Black) would format it."""
    items = ", ".join(f'"{layer}"' for layer in layers)
    one_line = f"{function}(layers=[{items}])"
    if len(one_line) <= BUILD_LINE_LENGTH:
        return one_line
    inner = f"    layers=[{items}]"
    if len(inner) <= BUILD_LINE_LENGTH:
        return f"{function}(\n{inner}\n)"
    exploded = "".join(f'        "{layer}",\n' for layer in layers)
    return f"{function}(\n    layers=[\n{exploded}    ]\n)"


def insert_layer(
    workspace: Workspace, name: str, *, after: str | None, before: str | None
) -> tuple[str, ...]:
    """The layers with `name` added after `after`, before `before`, or on top."""
    layers = list(workspace.layering.layers)
    anchor = after or before
    if anchor is not None and anchor not in layers:
        raise ScaffoldError(
            f"unknown layer {anchor!r}; the layers in {ROOT_BUILD}, lowest first, are: "
            f"{', '.join(layers)}"
        )
    if after is not None:
        layers.insert(layers.index(after) + 1, name)
    elif before is not None:
        layers.insert(layers.index(before), name)
    else:
        layers.append(name)
    return tuple(layers)


def write_layering(workspace: Workspace, layers: tuple[str, ...]) -> None:
    path = workspace.root / ROOT_BUILD
    text = path.read_text()
    layering = workspace.layering
    path.write_text(
        text[: layering.start] + layering_call(layering.function, layers) + text[layering.end :]
    )
