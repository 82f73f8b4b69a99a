"""nbstripout as a Pants formatter for notebooks: `./pants fmt` removes outputs, execution
counts and volatile metadata, and `./pants lint` fails while a notebook still has them, so
git holds only what people wrote."""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import ConsoleScript
from pants.backend.python.util_rules import pex
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.backend.python.util_rules.pex_requirements import PexRequirements, Resolve
from pants.core.goals.fmt import FmtResult, FmtTargetsRequest
from pants.core.util_rules.partitions import PartitionerType
from pants.engine.process import ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import FieldSet
from pants.option.option_types import SkipOption
from pants.option.subsystem import Subsystem
from pants.util.logging import LogLevel
from pants.util.strutil import pluralize

from brickyard_pants.notebooks.target_types import NotebookSourceField


class NbStripOut(Subsystem):
    options_scope = "nbstripout"
    name = "nbstripout"
    help = (
        "Strips outputs from notebooks (https://github.com/kynan/nbstripout), installed from "
        "the default resolve: the pin the notebook environment and a local git filter use."
    )

    skip = SkipOption("fmt", "lint")


@dataclass(frozen=True)
class NbStripOutFieldSet(FieldSet):
    required_fields = (NotebookSourceField,)

    source: NotebookSourceField


class NbStripOutRequest(FmtTargetsRequest):
    field_set_type = NbStripOutFieldSet
    tool_subsystem = NbStripOut
    partitioner_type = PartitionerType.DEFAULT_SINGLE_PARTITION


@rule(desc="Strip notebook outputs with nbstripout", level=LogLevel.DEBUG)
async def strip_notebook_outputs(
    request: NbStripOutRequest.Batch, python_setup: PythonSetup
) -> FmtResult:
    tool = await Get(
        VenvPex,
        PexRequest(
            output_filename="nbstripout.pex",
            internal_only=True,
            requirements=PexRequirements(
                ["nbstripout"],
                from_superset=Resolve(python_setup.default_resolve, use_entire_lockfile=False),
                description_of_origin="the nbstripout formatter",
            ),
            interpreter_constraints=InterpreterConstraints(python_setup.interpreter_constraints),
            main=ConsoleScript("nbstripout"),
        ),
    )
    result = await Get(
        ProcessResult,
        VenvPexProcess(
            tool,
            # Cell ids stay (they are stable); language_info records each author's exact
            # Python version, which would make every save a diff.
            argv=("--keep-id", "--extra-keys", "metadata.language_info", *request.files),
            input_digest=request.snapshot.digest,
            output_files=request.files,
            description=f"Run nbstripout on {pluralize(len(request.files), 'notebook')}.",
            level=LogLevel.DEBUG,
        ),
    )
    return await FmtResult.create(request, result)


def rules():
    return [*collect_rules(), *NbStripOut.rules(), *NbStripOutRequest.rules(), *pex.rules()]
