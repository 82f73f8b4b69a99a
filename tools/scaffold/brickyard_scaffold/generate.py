"""Writes a new library with the shape every library has, and adds it to the layering.

The files come from templates/ (string.Template, `$$name` placeholders); the new library
has README, CHANGELOG, one `<namespace>_library(...)` BUILD, an errors module, a first
module and its tests, so `./pants test packages/<name>::` passes straight away.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from importlib import resources
from string import Template

from brickyard_scaffold.errors import ScaffoldError
from brickyard_scaffold.workspace import (
    NAME_PATTERN,
    Workspace,
    check_name,
    insert_layer,
    write_layering,
)


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
            f"{src}/py.typed": None,
            f"{tests}/BUILD": "tests_BUILD.tmpl",
            f"{tests}/test_{self.module}.py": "test_module.py.tmpl",
        }


def _check(library: NewLibrary) -> None:
    if not NAME_PATTERN.fullmatch(library.module) or keyword.iskeyword(library.module):
        raise ScaffoldError(
            f"invalid module name {library.module!r}: use a lowercase Python identifier"
        )
    if library.module == "errors":
        raise ScaffoldError(
            "the module cannot be called 'errors': the library has errors.py already"
        )
    for bad, what in (('"', "double quotes"), ("\n", "line breaks")):
        if bad in library.description:
            raise ScaffoldError(f"the description cannot contain {what}; it is one line in BUILD")
    if not library.description.strip():
        raise ScaffoldError("the description is empty; say in one line what the library is for")


def render(workspace: Workspace, library: NewLibrary) -> dict[str, str]:
    """Path relative to the repository root -> content."""
    description = library.description.strip()
    values = {
        "namespace": workspace.namespace,
        "name": library.name,
        "module": library.module,
        "distribution": workspace.distribution(library.name),
        "error": "".join(part.capitalize() for part in library.name.split("_")) + "Error",
        "description": description,
        "description_sentence": description[0].lower() + description[1:],
    }
    # Sorted as isort (ruff's I001) wants them, whatever the first module is called.
    values["imports"] = "\n".join(
        sorted(
            [
                f"from {workspace.namespace}.{library.name}.errors import {values['error']}",
                f"from {workspace.namespace}.{library.name}.{library.module} import scale_to_unit",
            ]
        )
    )
    templates = resources.files("brickyard_scaffold").joinpath("templates")
    rendered = {}
    for path, template in library.files(workspace.namespace).items():
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
    """Writes the library and its layer; returns the files written. Checks everything first."""
    check_name(workspace, library.name)
    _check(library)
    layers = insert_layer(workspace, library.name, after=after, before=before)
    files = render(workspace, library)
    for path, text in files.items():
        target = workspace.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    write_layering(workspace, layers)
    return [*files, "BUILD"]
