from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from brickyard_dev.conftest import LAYERS, fake_pants, peek_output
from brickyard_dev.errors import DevError
from brickyard_dev.workspace import (
    Library,
    LibraryGraph,
    Workspace,
    find_root,
    pants_runner,
    parse_job_targets,
    parse_libraries,
)


def test_namespace_and_layers_are_read_from_the_files_that_define_them(
    scratch_workspace: Path,
) -> None:
    workspace = Workspace.at(scratch_workspace, fake_pants({}))
    assert workspace.namespace == "brickyard"
    assert workspace.layering.function == "brickyard_layering"
    assert workspace.layering.layers == LAYERS
    assert workspace.directories("packages") == set(LAYERS)
    assert workspace.directories("tools") == {"pants-plugins", "dev"}


def test_the_layering_call_is_replaced_in_place(scratch_workspace: Path) -> None:
    workspace = Workspace.at(scratch_workspace, fake_pants({}))
    assert workspace.layering.layers[0] == "core"
    workspace.write_layering('brickyard_layering(layers=["core", "x"])')
    assert (scratch_workspace / "BUILD").read_text() == (
        '# Layering of the lego libraries, lowest first.\nbrickyard_layering(layers=["core", "x"])\n'
    )
    assert workspace.layering.layers == ("core", "x")


def test_a_layering_that_is_not_literal_strings_is_refused(scratch_workspace: Path) -> None:
    (scratch_workspace / "BUILD").write_text("LAYERS = []\nbrickyard_layering(layers=LAYERS)\n")
    with pytest.raises(DevError, match=r"BUILD:2: brickyard_layering\(...\) needs layers=\[...\]"):
        Workspace.at(scratch_workspace, fake_pants({})).layering  # noqa: B018


def test_the_root_is_the_nearest_directory_with_pants_toml(tmp_path: Path) -> None:
    (tmp_path / "pants.toml").touch()
    (tmp_path / "a/b").mkdir(parents=True)
    assert find_root(tmp_path / "a/b") == tmp_path
    with pytest.raises(DevError, match="no pants.toml in / or above"):
        find_root(Path("/"))


def test_libraries_come_from_real_pants_peek_output() -> None:
    # Captured from this repository:
    #   ./pants --no-pantsd peek packages/ingest/src:: packages/jobs/src::
    graph = parse_libraries(peek_output("peek_ingest_jobs"))

    assert sorted(graph.libraries) == ["ingest", "jobs"]
    ingest, jobs = graph.libraries["ingest"], graph.libraries["jobs"]
    assert ingest.distribution == "brickyard-ingest"
    assert ingest.address == "packages/ingest/src/brickyard/ingest:dist"
    assert ingest.build_file == "packages/ingest/src/brickyard/ingest/BUILD"
    assert ingest.changelog == "packages/ingest/CHANGELOG.md"
    assert ingest.tag(ingest.version) == f"ingest/v{ingest.version}"
    # Package data belongs to the library as much as its modules do.
    assert ingest.owns("packages/ingest/src/brickyard/ingest/samples/seattle_weather.csv")
    assert ingest.owns("packages/ingest/src/brickyard/ingest/contracts.py")
    assert ingest.owns("packages/ingest/README.md")
    assert not ingest.owns("packages/ingest/tests/brickyard/ingest/test_contracts.py")
    assert not jobs.owns("packages/ingest/src/brickyard/ingest/contracts.py")
    # jobs imports ingest (inferred by Pants); the other libraries jobs uses were not peeked.
    assert graph.requires == {"ingest": frozenset(), "jobs": frozenset({"ingest"})}
    assert graph.dependents(["ingest"]) == {"jobs"}
    assert graph.dependency_order() == ["ingest", "jobs"]


def test_job_targets_come_from_real_pants_peek_output(scratch_workspace: Path) -> None:
    # Captured from this repository: ./pants --no-pantsd peek packages/jobs:
    output = peek_output("peek_jobs")
    assert parse_job_targets(output) == {
        "packages/jobs:daily": "daily",
        "packages/jobs:daily-spark": "daily-spark",
        "packages/jobs:pipeline": "pipeline",
        "packages/jobs:pipeline-spark": "pipeline-spark",
        "packages/jobs:train": "train",
    }
    workspace = Workspace.at(scratch_workspace, fake_pants({("peek", "packages/jobs:"): output}))
    assert workspace.job_targets() == parse_job_targets(output)


def _library(name: str) -> Library:
    return Library(name, f"brickyard-{name}", "0.1.0", f"{name}:dist", name, None, frozenset())


def test_dependents_are_transitive_and_order_puts_dependencies_first() -> None:
    names = ["ingest", "features", "models", "jobs"]
    graph = LibraryGraph(
        libraries={name: _library(name) for name in names},
        requires={
            "ingest": frozenset(),
            "features": frozenset(),
            "models": frozenset({"ingest"}),
            "jobs": frozenset({"models", "features"}),
        },
    )
    assert graph.dependents(["ingest"]) == {"models", "jobs"}
    assert graph.dependents(["jobs"]) == set()
    assert graph.dependency_order() == ["features", "ingest", "models", "jobs"]
    assert graph.dependency_order(["jobs", "ingest"]) == ["ingest", "jobs"]
    with pytest.raises(DevError, match=r"unknown libraries \['nope'\]"):
        graph.dependency_order(["nope"])


def test_a_cycle_is_refused() -> None:
    graph = LibraryGraph(
        libraries={name: _library(name) for name in ("a", "b")},
        requires={"a": frozenset({"b"}), "b": frozenset({"a"})},
    )
    with pytest.raises(DevError, match="cycle"):
        graph.dependency_order()


def test_output_without_distributions_is_refused() -> None:
    with pytest.raises(DevError, match="no python_distribution"):
        parse_libraries(json.dumps([{"address": "a:b", "target_type": "python_source"}]))
    with pytest.raises(DevError, match="not JSON"):
        parse_libraries("12:00:00 [WARN] something")


def _fake_pants_script(root: Path, body: str) -> None:
    script = root / "pants"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_runner_runs_pants_without_pantsd_in_the_root(tmp_path: Path) -> None:
    _fake_pants_script(tmp_path, 'echo "$PWD $*"')
    assert pants_runner(tmp_path)(["peek", "packages::"]).strip() == (
        f"{os.path.realpath(tmp_path)} --no-pantsd peek packages::"
    )


def test_runner_failure_shows_what_pants_said(tmp_path: Path) -> None:
    _fake_pants_script(tmp_path, 'echo "UnownedDependencyError: in x.py" >&2; exit 1')
    with pytest.raises(DevError, match=r"`./pants peek packages::` failed:\nUnowned"):
        pants_runner(tmp_path)(["peek", "packages::"])
    with pytest.raises(DevError, match="run from the repository root"):
        pants_runner(tmp_path / "elsewhere")(["peek", "packages::"])
