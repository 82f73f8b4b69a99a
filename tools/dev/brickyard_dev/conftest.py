"""Fixtures shared by the verbs' tests: the real repository, and scratch workspaces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.resources import files
from pathlib import Path

import pytest

LAYERS = ("core", "ingest", "features", "models", "reporting", "jobs")
MACROS = """_NAMESPACE = "brickyard"


def brickyard_library(name, description, version, dependencies=(), command=None):
    pass
"""
ROOT_BUILD = f"""# Layering of the lego libraries, lowest first.
brickyard_layering(layers=[{", ".join(f'"{layer}"' for layer in LAYERS)}])
"""


@pytest.fixture
def repo_root() -> Path:
    """This repository as a test sees it: Pants' sandbox holding the files the test depends
    on (or a checkout, under plain pytest), which is the working directory either way."""
    root = Path.cwd()
    assert (root / "shared-config").is_dir(), f"{root} holds no shared-config/: not the repo root"
    return root


@pytest.fixture
def scratch_workspace(tmp_path: Path) -> Path:
    """A scratch repository laid out like this one: macros, layering, libraries, tools."""
    root = tmp_path / "repo"
    (root / "tools/pants-plugins").mkdir(parents=True)
    (root / "tools/pants-plugins/macros.py").write_text(MACROS)
    (root / "tools/dev").mkdir()
    (root / "BUILD").write_text(ROOT_BUILD)
    for library in LAYERS:
        (root / "packages" / library).mkdir(parents=True)
    return root


def peek_output(name: str) -> str:
    """Real `./pants peek` output kept in testdata/ (the tests that use it say how it was captured)."""
    return (files("brickyard_dev") / "testdata" / f"{name}.json").read_text(encoding="utf-8")


def fake_pants(outputs: dict[tuple[str, ...], str]) -> Callable[[Sequence[str]], str]:
    """A Pants runner that answers the given commands and refuses any other."""

    def run(args: Sequence[str]) -> str:
        assert tuple(args) in outputs, f"unexpected pants call: {args}"
        return outputs[tuple(args)]

    return run
