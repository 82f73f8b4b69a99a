"""new NAME --description TEXT [--after LAYER | --before LAYER] [--module NAME]

Creates packages/NAME with the shape every library has (README, CHANGELOG, one
`<namespace>_library(...)` BUILD, an errors module deriving from the core error, a first
module, a command line (`cli.py`, built as dist/NAME/NAME.pex) and their tests, py.typed)
and inserts NAME into the layering in the root BUILD, on top unless --after/--before says
where. A library may use the layers below its own.
`./pants test packages/NAME::` passes straight away. Checks everything before writing.
"""

from __future__ import annotations

import argparse
import keyword
import re
from dataclasses import dataclass
from importlib import resources
from string import Template

from brickyard.core import atomic_files
from brickyard_dev.errors import DevError
from brickyard_dev.workspace import ROOT_BUILD, Workspace

HELP = "create a library of the house shape, tests passing, and add its layer"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# The library every other one stands on: it holds the base error the new one derives from.
CORE = "core"
# The module of the library's command line (its PEX's entry point `main`).
COMMAND_MODULE = "cli"
# Black's default line length: `./pants update-build-files` formats BUILD files with Black.
BUILD_LINE_LENGTH = 88


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="lowercase identifier: import <namespace>.NAME")
    parser.add_argument("--description", required=True, help="one line: what the library is for")
    parser.add_argument("--module", default="core", help="its first module (default: core)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--after", metavar="LAYER", help="its layer goes right above LAYER")
    where.add_argument("--before", metavar="LAYER", help="its layer goes right below LAYER")


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    library = NewLibrary(name=args.name, description=args.description, module=args.module)
    written = create(workspace, library, after=args.after, before=args.before)
    for path in written:
        print(f"new: wrote {path}")
    print(
        f"new: created {workspace.namespace}-{args.name}; next: ./pants test packages/{args.name}::"
        "  (then commit, and replace the example module)"
    )
    return 0


@dataclass(frozen=True)
class NewLibrary:
    name: str
    description: str
    module: str = "core"

    def files(self, namespace: str) -> dict[str, str | None]:
        """Path under packages/<name>/ -> template file (None: an empty file)."""
        src = f"src/{namespace}/{self.name}"
        tests = f"tests/{namespace}/{self.name}"
        return {
            "README.md": "README.md.tmpl",
            "CHANGELOG.md": "CHANGELOG.md.tmpl",
            f"{src}/BUILD": "src_BUILD.tmpl",
            f"{src}/__init__.py": "__init__.py.tmpl",
            f"{src}/errors.py": "errors.py.tmpl",
            f"{src}/{self.module}.py": "module.py.tmpl",
            f"{src}/{COMMAND_MODULE}.py": "cli.py.tmpl",
            f"{src}/py.typed": None,
            f"{tests}/BUILD": "tests_BUILD.tmpl",
            f"{tests}/test_{self.module}.py": "test_module.py.tmpl",
            f"{tests}/test_{COMMAND_MODULE}.py": "test_cli.py.tmpl",
        }


def check_name(workspace: Workspace, name: str) -> None:
    """Refuses a name that cannot be a library: each message says why and what to do."""
    namespace = workspace.namespace
    if not NAME_PATTERN.fullmatch(name):
        raise DevError(
            f"invalid library name {name!r}: use lowercase letters, digits and underscores, "
            f"starting with a letter (it becomes the import name {namespace}.<name> and the "
            f"distribution {namespace}-<name>)"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise DevError(
            f"invalid library name {name!r}: it is a Python keyword, so "
            f"`import {namespace}.{name}` could not be written; choose another name"
        )
    if name in workspace.directories("packages"):
        raise DevError(
            f"library {name!r} exists already (packages/{name}/, distribution "
            f"{namespace}-{name}); choose another name"
        )
    if name in workspace.layering.layers:
        raise DevError(
            f"{name!r} is a layer in {ROOT_BUILD} already but has no packages/{name}/; remove "
            f"it from {workspace.layering.function}(layers=[...]) or choose another name"
        )
    if name in workspace.directories("tools"):
        raise DevError(f"{name!r} is taken by tools/{name}/; choose another name")


def _check(library: NewLibrary) -> None:
    if not NAME_PATTERN.fullmatch(library.module) or keyword.iskeyword(library.module):
        raise DevError(f"invalid module name {library.module!r}: use a lowercase Python identifier")
    if library.module in ("errors", COMMAND_MODULE):
        raise DevError(
            f"the module cannot be called {library.module!r}: the library has "
            f"{library.module}.py already"
        )
    for bad, what in (('"', "double quotes"), ("\n", "line breaks")):
        if bad in library.description:
            raise DevError(f"the description cannot contain {what}; it is one line in BUILD")
    if not library.description.strip():
        raise DevError("the description is empty; say in one line what the library is for")


def insert_layer(
    workspace: Workspace, name: str, *, after: str | None, before: str | None
) -> tuple[str, ...]:
    """The layers with `name` added after `after`, before `before`, or on top."""
    layers = list(workspace.layering.layers)
    anchor = after or before
    if anchor is not None and anchor not in layers:
        raise DevError(
            f"unknown layer {anchor!r}; the layers in {ROOT_BUILD}, lowest first, are: "
            f"{', '.join(layers)}"
        )
    if before == CORE:
        raise DevError(
            f"a library cannot go below {CORE!r}: its errors derive from the base error in "
            f"{workspace.namespace}.{CORE}; use --after {CORE} for the lowest place"
        )
    if after is not None:
        layers.insert(layers.index(after) + 1, name)
    elif before is not None:
        layers.insert(layers.index(before), name)
    else:
        layers.append(name)
    return tuple(layers)


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


def render(workspace: Workspace, library: NewLibrary) -> dict[str, str]:
    """Path relative to the repository root -> content."""
    namespace = workspace.namespace
    description = library.description.strip()
    values = {
        "namespace": namespace,
        "name": library.name,
        "module": library.module,
        "distribution": f"{namespace}-{library.name}",
        "base_error": f"{namespace.capitalize()}Error",
        "error": "".join(part.capitalize() for part in library.name.split("_")) + "Error",
        "description": description,
        "description_sentence": description[0].lower() + description[1:],
    }
    # Sorted as isort (ruff's I001) wants them, whatever the library and its first module
    # are called.
    errors = f"from {namespace}.{library.name}.errors import {values['error']}"
    example = f"from {namespace}.{library.name}.{library.module} import scale_to_unit"
    values["imports"] = "\n".join(sorted([errors, example]))
    values["cli_imports"] = "\n".join(
        sorted(
            [
                errors,
                example,
                f"from {namespace}.core import CommandParser, ExitCode, configure_logging, "
                "exits_with, run_command",
            ]
        )
    )
    values["test_cli_imports"] = "\n".join(
        sorted(
            [
                f"from {namespace}.core import ExitCode",
                f"from {namespace}.{library.name}.{COMMAND_MODULE} import main",
            ]
        )
    )
    templates = resources.files("brickyard_dev").joinpath("templates")
    rendered = {}
    for path, template in library.files(namespace).items():
        text = (
            ""
            if template is None
            else Template(templates.joinpath(template).read_text()).substitute(values)
        )
        rendered[f"packages/{library.name}/{path}"] = text
    return rendered


def create(
    workspace: Workspace,
    library: NewLibrary,
    *,
    after: str | None = None,
    before: str | None = None,
) -> list[str]:
    """Writes the library and its layer, all or nothing; returns the files written."""
    check_name(workspace, library.name)
    _check(library)
    layers = insert_layer(workspace, library.name, after=after, before=before)
    files = render(workspace, library)
    with atomic_files() as stage:
        for path, text in files.items():
            stage(workspace.root / path, text)
    workspace.write_layering(layering_call(workspace.layering.function, layers))
    return [*files, ROOT_BUILD]
