"""Notebooks as Pants targets: `notebooks()` owns `*.ipynb` files, infers which libraries
each notebook imports, executes each one headless in `./pants test`, and keeps committed
notebooks free of outputs (`./pants fmt` strips them, `./pants lint` fails on them)."""

from __future__ import annotations

from brickyard_pants.notebooks import dependency_inference, notebook_tests, strip_outputs
from brickyard_pants.notebooks.target_types import NotebooksGeneratorTarget, NotebookTarget


def target_types():
    return [NotebookTarget, NotebooksGeneratorTarget]


def rules():
    return [*dependency_inference.rules(), *notebook_tests.rules(), *strip_outputs.rules()]
