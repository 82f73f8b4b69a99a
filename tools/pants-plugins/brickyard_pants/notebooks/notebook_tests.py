"""`./pants test` for notebooks: each notebook runs top to bottom on a fresh Jupyter kernel in
a sandbox holding its inferred libraries and the resolve's requirements. A failing cell fails
the test with the notebook path, the cell number and the error."""

from __future__ import annotations

import pkgutil
from dataclasses import dataclass
from typing import Any

from pants.backend.python.target_types import PythonResolveField
from pants.backend.python.util_rules import pex, pex_from_targets, python_sources
from pants.backend.python.util_rules.pex import VenvPex, VenvPexProcess
from pants.backend.python.util_rules.pex_from_targets import PexFromTargetsRequest
from pants.backend.python.util_rules.python_sources import (
    PythonSourceFiles,
    PythonSourceFilesRequest,
)
from pants.core.goals.test import (
    TestExtraEnv,
    TestFieldSet,
    TestRequest,
    TestResult,
    TestSubsystem,
)
from pants.engine.addresses import Addresses
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests, Snapshot
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    HydratedSources,
    HydrateSourcesRequest,
    Target,
    TransitiveTargets,
    TransitiveTargetsRequest,
)
from pants.option.option_types import SkipOption
from pants.option.subsystem import Subsystem
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from brickyard_pants.notebooks.target_types import (
    NotebookSourceField,
    NotebookTimeoutField,
    SkipNotebookTestField,
)

_RUNNER = "__brickyard_run_notebook.py"


class NotebookTestSubsystem(Subsystem):
    options_scope = "notebook-test"
    name = "Notebook tests"
    help = "Executes each `notebook` target headless as part of `./pants test`."

    skip = SkipOption("test")


@dataclass(frozen=True)
class NotebookTestFieldSet(TestFieldSet):
    required_fields = (NotebookSourceField, PythonResolveField)

    source: NotebookSourceField
    timeout: NotebookTimeoutField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return tgt.get(SkipNotebookTestField).value


class NotebookTestRequest(TestRequest):
    tool_subsystem = NotebookTestSubsystem
    field_set_type = NotebookTestFieldSet


@rule(desc="Execute a notebook", level=LogLevel.DEBUG)
async def run_notebook(
    batch: NotebookTestRequest.Batch[NotebookTestFieldSet, Any],
    test_subsystem: TestSubsystem,
    test_extra_env: TestExtraEnv,
) -> TestResult:
    field_set = batch.single_element
    address = field_set.address
    notebook_path = field_set.source.file_path
    # Pants merges every target's report into one directory: the name must be unique.
    results_file = f"{address.path_safe_spec}.notebook.xml"

    transitive, requirements = await MultiGet(
        Get(TransitiveTargets, TransitiveTargetsRequest([address])),
        Get(
            VenvPex,
            PexFromTargetsRequest(
                Addresses([address]),
                output_filename="notebook_kernel.pex",
                internal_only=True,
                include_source_files=False,
                description=f"Build the kernel environment for {notebook_path}",
            ),
        ),
    )
    sources, notebook, runner = await MultiGet(
        Get(
            PythonSourceFiles,
            PythonSourceFilesRequest(
                transitive.closure, include_resources=True, include_files=True
            ),
        ),
        Get(HydratedSources, HydrateSourcesRequest(field_set.source)),
        Get(
            Digest,
            CreateDigest(
                [FileContent(_RUNNER, pkgutil.get_data(__name__, "run_notebook.py") or b"")]
            ),
        ),
    )
    input_digest = await Get(
        Digest,
        MergeDigests([sources.source_files.snapshot.digest, notebook.snapshot.digest, runner]),
    )
    timeout = field_set.timeout.calculate_from_global_options(test_subsystem)
    process = await Get(
        Process,
        VenvPexProcess(
            requirements,
            argv=(
                _RUNNER,
                notebook_path,
                f"--junit-xml={results_file}",
                *(f"--source-root={root}" for root in sources.source_roots),
                *((f"--timeout={timeout}",) if timeout else ()),
            ),
            input_digest=input_digest,
            extra_env=FrozenDict(test_extra_env.env),
            output_files=(results_file,),
            timeout_seconds=timeout + 60 if timeout else None,
            description=f"Execute notebook {notebook_path}",
            level=LogLevel.DEBUG,
            cache_scope=(
                ProcessCacheScope.PER_SESSION
                if test_subsystem.force
                else ProcessCacheScope.SUCCESSFUL
            ),
        ),
    )
    result = await Get(FallibleProcessResult, Process, process)
    xml_results = await Get(Snapshot, Digest, result.output_digest)
    return TestResult.from_fallible_process_result(
        result,
        address,
        test_subsystem.output,
        xml_results=xml_results if xml_results.files else None,
    )


def rules():
    return [
        *collect_rules(),
        *NotebookTestRequest.rules(),
        *pex.rules(),
        *pex_from_targets.rules(),
        *python_sources.rules(),
    ]
