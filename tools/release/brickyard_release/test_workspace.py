from __future__ import annotations

import json
import os
import stat
from importlib.resources import files
from pathlib import Path

import pytest

from brickyard_release.errors import ReleaseError
from brickyard_release.workspace import Library, Workspace, pants_runner, parse_peek


def test_parses_real_pants_peek_output() -> None:
    # Captured from this repository:
    #   ./pants --no-pantsd peek packages/ingest/src:: packages/jobs/src::
    sample = files("brickyard_release") / "testdata" / "peek_ingest_jobs.json"
    workspace = parse_peek(sample.read_text(encoding="utf-8"))

    assert sorted(workspace.libraries) == ["ingest", "jobs"]
    ingest, jobs = workspace.libraries["ingest"], workspace.libraries["jobs"]
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
    assert workspace.requires == {"ingest": frozenset(), "jobs": frozenset({"ingest"})}
    assert workspace.dependents(["ingest"]) == {"jobs"}
    assert workspace.dependency_order() == ["ingest", "jobs"]


def _library(name: str) -> Library:
    return Library(name, f"brickyard-{name}", "0.1.0", f"{name}:dist", name, None, frozenset())


def test_dependents_are_transitive_and_order_puts_dependencies_first() -> None:
    names = ["ingest", "features", "models", "jobs"]
    workspace = Workspace(
        libraries={name: _library(name) for name in names},
        requires={
            "ingest": frozenset(),
            "features": frozenset(),
            "models": frozenset({"ingest"}),
            "jobs": frozenset({"models", "features"}),
        },
    )
    assert workspace.dependents(["ingest"]) == {"models", "jobs"}
    assert workspace.dependents(["jobs"]) == set()
    assert workspace.dependency_order() == ["features", "ingest", "models", "jobs"]
    assert workspace.dependency_order(["jobs", "ingest"]) == ["ingest", "jobs"]
    with pytest.raises(ReleaseError, match=r"unknown libraries \['nope'\]"):
        workspace.dependency_order(["nope"])


def test_a_cycle_is_refused() -> None:
    workspace = Workspace(
        libraries={name: _library(name) for name in ("a", "b")},
        requires={"a": frozenset({"b"}), "b": frozenset({"a"})},
    )
    with pytest.raises(ReleaseError, match="cycle"):
        workspace.dependency_order()


def test_output_without_distributions_is_refused() -> None:
    with pytest.raises(ReleaseError, match="no python_distribution"):
        parse_peek(json.dumps([{"address": "a:b", "target_type": "python_source"}]))
    with pytest.raises(ReleaseError, match="not JSON"):
        parse_peek("12:00:00 [WARN] something")


def _fake_pants_script(root: Path, body: str) -> None:
    script = root / "pants"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_runner_runs_pants_without_pantsd_in_the_buildroot(tmp_path: Path) -> None:
    _fake_pants_script(tmp_path, 'echo "$PWD $*"')
    assert pants_runner(str(tmp_path))(["peek", "packages::"]).strip() == (
        f"{os.path.realpath(tmp_path)} --no-pantsd peek packages::"
    )


def test_runner_failure_shows_what_pants_said(tmp_path: Path) -> None:
    _fake_pants_script(tmp_path, 'echo "UnownedDependencyError: in x.py" >&2; exit 1')
    with pytest.raises(ReleaseError, match=r"`./pants peek packages::` failed:\nUnowned"):
        pants_runner(str(tmp_path))(["peek", "packages::"])
    with pytest.raises(ReleaseError, match="run the release tool from the repository root"):
        pants_runner(str(tmp_path / "elsewhere"))(["peek", "packages::"])
