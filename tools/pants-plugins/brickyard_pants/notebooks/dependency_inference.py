"""Infers a notebook's dependencies from the imports in its code cells, the way Pants does for
`.py` files, so `--changed-since` selects exactly the notebooks a change affects.

The cells become Python as Jupyter runs them: IPython's own transformer, in the notebook's
environment (`notebook_python.py`), so any syntax Jupyter accepts (`df?`, `x = !ls`,
`%%time` cells) is read, and the code of magics that run Python counts too. Pants' own
import parser then reads that Python, so weak imports (inside `try: ... except
ImportError`) and `# pants: no-infer-dep` work as in `.py` files. An import nobody
provides is handled by `[python-infer].unowned_dependency_behavior`, naming the notebook,
the cell and the line.
"""

from __future__ import annotations

import json
import logging
import pkgutil
from dataclasses import dataclass

from pants.backend.python.dependency_inference.default_unowned_dependencies import (
    DEFAULT_UNOWNED_DEPENDENCIES,
)
from pants.backend.python.dependency_inference.module_mapper import (
    PythonModuleOwners,
    PythonModuleOwnersRequest,
)
from pants.backend.python.dependency_inference.rules import UnownedDependencyError
from pants.backend.python.dependency_inference.subsystem import (
    AmbiguityResolution,
    PythonInferSubsystem,
    UnownedDependencyUsage,
)
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import InterpreterConstraintsField, PythonResolveField
from pants.backend.python.util_rules import pex
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.backend.python.util_rules.pex_requirements import PexRequirements, Resolve
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.internals.native_dep_inference import NativeParsedPythonDependencies
from pants.engine.process import ProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    DependenciesRequest,
    ExplicitlyProvidedDependencies,
    FieldSet,
    HydratedSources,
    HydrateSourcesRequest,
    InferDependenciesRequest,
    InferredDependencies,
)
from pants.engine.unions import UnionRule
from pants.source.source_root import SourceRoot, SourceRootRequest
from pants.util.logging import LogLevel
from pants.util.strutil import bullet_list

from brickyard_pants.notebooks.target_types import NotebookDependenciesField, NotebookSourceField

logger = logging.getLogger(__name__)

# What executing a notebook needs besides its own imports: the Jupyter client and kernel.
EXECUTION_MODULES = ("nbclient", "nbformat", "ipykernel")
# What every kernel brings (ipykernel runs on it), so importing it needs no owner of its own.
KERNEL_MODULES = frozenset({"IPython"})
_SCRIPT = "__brickyard_notebook_python.py"


@dataclass(frozen=True)
class NotebookInferenceFieldSet(FieldSet):
    required_fields = (NotebookSourceField, PythonResolveField)

    source: NotebookSourceField
    dependencies: NotebookDependenciesField
    resolve: PythonResolveField
    interpreter_constraints: InterpreterConstraintsField


class InferNotebookDependencies(InferDependenciesRequest):
    infer_from = NotebookInferenceFieldSet


@dataclass(frozen=True)
class ImportSite:
    """Where a notebook first imports a module."""

    cell: int
    code_cell: int
    line: int
    weak: bool

    def describe(self) -> str:
        return f"cell {self.cell}, code cell {self.code_cell}, line {self.line}"


@dataclass(frozen=True)
class NotebookImports:
    """Each imported module of one notebook, with where it is first imported."""

    sites: tuple[tuple[str, ImportSite], ...]


@dataclass(frozen=True)
class NotebookImportsRequest:
    field_set: NotebookInferenceFieldSet


@rule(desc="Reading a notebook's cells as IPython runs them", level=LogLevel.DEBUG)
async def notebook_imports(
    request: NotebookImportsRequest, python_setup: PythonSetup
) -> NotebookImports:
    field_set = request.field_set
    notebook_path = field_set.source.file_path
    ipython, notebook, script = await MultiGet(
        Get(
            VenvPex,
            PexRequest(
                output_filename="notebook_python.pex",
                internal_only=True,
                requirements=PexRequirements(
                    ["ipython", "nbformat"],
                    from_superset=Resolve(
                        field_set.resolve.normalized_value(python_setup),
                        use_entire_lockfile=False,
                    ),
                    description_of_origin="the notebooks plugin's cell reader",
                ),
                interpreter_constraints=InterpreterConstraints.create_from_compatibility_fields(
                    [field_set.interpreter_constraints], python_setup
                ),
            ),
        ),
        Get(HydratedSources, HydrateSourcesRequest(field_set.source)),
        Get(
            Digest,
            CreateDigest(
                [FileContent(_SCRIPT, pkgutil.get_data(__name__, "notebook_python.py") or b"")]
            ),
        ),
    )
    input_digest = await Get(Digest, MergeDigests([notebook.snapshot.digest, script]))
    result = await Get(
        ProcessResult,
        VenvPexProcess(
            ipython,
            argv=(_SCRIPT, notebook_path),
            input_digest=input_digest,
            description=f"Read the cells of {notebook_path} as IPython runs them",
            level=LogLevel.DEBUG,
        ),
    )
    cells = json.loads(result.stdout)
    sources = [(cell, source) for cell in cells for source in cell["sources"]]
    digests = await MultiGet(
        Get(Digest, CreateDigest([FileContent("cell.py", source.encode())]))
        for _, source in sources
    )
    parsed = await MultiGet(
        Get(NativeParsedPythonDependencies, Digest, digest) for digest in digests
    )
    first_sites: dict[str, ImportSite] = {}
    # Indexing, not zip(): Pants' Python 3.9 has no zip(strict=True).
    for index, dependencies in enumerate(parsed):
        cell = sources[index][0]
        for module, (line, weak) in dependencies.imports.items():
            site = ImportSite(cell["cell"], cell["code_cell"], line, weak)
            known = first_sites.get(module)
            # A module imported weakly in one place and plainly in another is a plain import.
            if known is None or (known.weak and not weak):
                first_sites[module] = site
    return NotebookImports(tuple(sorted(first_sites.items())))


@rule(desc="Inferring notebook dependencies")
async def infer_notebook_dependencies(
    request: InferNotebookDependencies,
    python_setup: PythonSetup,
    python_infer: PythonInferSubsystem,
) -> InferredDependencies:
    field_set = request.field_set
    resolve = field_set.resolve.normalized_value(python_setup)
    imports, explicit, source_root = await MultiGet(
        Get(NotebookImports, NotebookImportsRequest(field_set)),
        Get(ExplicitlyProvidedDependencies, DependenciesRequest(field_set.dependencies)),
        Get(SourceRoot, SourceRootRequest, SourceRootRequest.for_address(field_set.address)),
    )
    locality = (
        source_root.path
        if python_infer.ambiguity_resolution == AmbiguityResolution.by_source_root
        else None
    )
    sites = dict(imports.sites)
    modules = sorted({*sites, *EXECUTION_MODULES})
    owners = await MultiGet(
        Get(PythonModuleOwners, PythonModuleOwnersRequest(module, resolve, locality))
        for module in modules
    )
    inferred: set[Address] = set()
    unowned: list[str] = []
    for index, owner in enumerate(owners):
        module = modules[index]
        if owner.unambiguous:
            inferred.update(owner.unambiguous)
            continue
        explicit.maybe_warn_of_ambiguous_dependency_inference(
            owner.ambiguous,
            field_set.address,
            import_reference="module",
            context=f"The notebook {field_set.address} imports `{module}`",
        )
        chosen = explicit.disambiguated(owner.ambiguous)
        if chosen is not None:
            inferred.add(chosen)
        elif _needs_an_owner(module, sites.get(module), python_infer.ignored_unowned_imports):
            unowned.append(module)
    _handle_unowned(field_set.address, unowned, sites, python_infer.unowned_dependency_behavior)
    return InferredDependencies(sorted(inferred))


def _needs_an_owner(module: str, site: ImportSite | None, ignored: tuple[str, ...]) -> bool:
    """Whether an import nobody provides is a finding, by the rules Pants applies to `.py` files:
    not the standard library or the kernel's IPython, not weak, not in
    `[python-infer].ignored_unowned_imports`."""
    top_level = module.split(".")[0]
    if top_level in DEFAULT_UNOWNED_DEPENDENCIES or top_level in KERNEL_MODULES:
        return False
    if site is not None and site.weak:
        return False
    return not any(module == path or module.startswith(f"{path}.") for path in ignored)


def _handle_unowned(
    address: Address,
    unowned: list[str],
    sites: dict[str, ImportSite],
    behavior: UnownedDependencyUsage,
) -> None:
    if not unowned or behavior is UnownedDependencyUsage.DoNothing:
        return
    lines = [
        f"{module} ({sites[module].describe()})" if module in sites else module
        for module in unowned
    ]
    message = (
        f"Pants cannot infer owners for the following imports in the notebook {address}:\n\n"
        f"{bullet_list(lines)}\n\n"
        "Add the project that provides it to the notebook's resolve (lockfiles/), or declare"
        " the target in the `dependencies` of its `notebooks()` target. If the import is not"
        " meant to be inferred, add `# pants: no-infer-dep` to its line."
    )
    if behavior is UnownedDependencyUsage.LogWarning:
        logger.warning(message)
    else:
        raise UnownedDependencyError(message)


def rules():
    return [
        *collect_rules(),
        *pex.rules(),
        UnionRule(InferDependenciesRequest, InferNotebookDependencies),
    ]
