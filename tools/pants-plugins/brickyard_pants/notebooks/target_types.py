"""The `notebook` target (one `.ipynb` file) and its `notebooks` generator."""

from __future__ import annotations

from pants.backend.python.target_types import InterpreterConstraintsField, PythonResolveField
from pants.core.goals.test import TestTimeoutField
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    BoolField,
    Dependencies,
    MultipleSourcesField,
    SingleSourceField,
    Target,
    TargetFilesGenerator,
)


class NotebookSourceField(SingleSourceField):
    expected_file_extensions = (".ipynb",)


class NotebooksGeneratingSourcesField(MultipleSourcesField):
    expected_file_extensions = (".ipynb",)
    default = ("*.ipynb",)
    help = "The notebooks to own; one `notebook` target is generated per file."


class NotebookDependenciesField(Dependencies):
    help = (
        "Dependencies besides the libraries the notebook imports (those are inferred), for"
        " example the `resources` of data or config files it reads."
    )


class NotebookTimeoutField(TestTimeoutField):
    help = "Seconds the whole notebook may take when `./pants test` executes it."


class SkipNotebookTestField(BoolField):
    alias = "skip_tests"
    default = False
    help = "If true, `./pants test` does not execute this notebook."


class NotebookTarget(Target):
    alias = "notebook"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        NotebookSourceField,
        NotebookDependenciesField,
        NotebookTimeoutField,
        SkipNotebookTestField,
        PythonResolveField,
        InterpreterConstraintsField,
    )
    help = "A Jupyter notebook that imports workspace libraries and is executed as a test."


class NotebooksGeneratorTarget(TargetFilesGenerator):
    alias = "notebooks"
    core_fields = (*COMMON_TARGET_FIELDS, NotebooksGeneratingSourcesField)
    generated_target_cls = NotebookTarget
    copied_fields = COMMON_TARGET_FIELDS
    moved_fields = (
        NotebookDependenciesField,
        NotebookTimeoutField,
        SkipNotebookTestField,
        PythonResolveField,
        InterpreterConstraintsField,
    )
    help = "Generate a `notebook` target for each `.ipynb` file in `sources`."
