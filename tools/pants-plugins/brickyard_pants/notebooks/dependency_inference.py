"""Infers a notebook's dependencies from the imports in its code cells, the same way Pants
does for `.py` files, so `--changed-since` selects exactly the notebooks a change affects."""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.python.dependency_inference.module_mapper import (
    PythonModuleOwners,
    PythonModuleOwnersRequest,
)
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PythonResolveField
from pants.engine.fs import Digest, DigestContents
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    HydratedSources,
    HydrateSourcesRequest,
    InferDependenciesRequest,
    InferredDependencies,
)
from pants.engine.unions import UnionRule

from brickyard_pants.notebooks.cells import imported_modules
from brickyard_pants.notebooks.target_types import NotebookSourceField

# What executing a notebook needs besides its own imports: the Jupyter client and kernel.
EXECUTION_MODULES = ("nbclient", "nbformat", "ipykernel")


@dataclass(frozen=True)
class NotebookInferenceFieldSet(FieldSet):
    required_fields = (NotebookSourceField, PythonResolveField)

    source: NotebookSourceField
    resolve: PythonResolveField


class InferNotebookDependencies(InferDependenciesRequest):
    infer_from = NotebookInferenceFieldSet


@rule(desc="Inferring notebook dependencies")
async def infer_notebook_dependencies(
    request: InferNotebookDependencies, python_setup: PythonSetup
) -> InferredDependencies:
    field_set = request.field_set
    sources = await Get(HydratedSources, HydrateSourcesRequest(field_set.source))
    (notebook,) = await Get(DigestContents, Digest, sources.snapshot.digest)
    modules = sorted({*imported_modules(notebook.content, notebook.path), *EXECUTION_MODULES})
    resolve = field_set.resolve.normalized_value(python_setup)
    owners = await MultiGet(
        Get(PythonModuleOwners, PythonModuleOwnersRequest(module, resolve=resolve))
        for module in modules
    )
    return InferredDependencies(sorted({addr for owner in owners for addr in owner.unambiguous}))


def rules():
    return [*collect_rules(), UnionRule(InferDependenciesRequest, InferNotebookDependencies)]
