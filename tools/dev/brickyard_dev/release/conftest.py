"""Fixtures: a scratch git repository laid out like Brickyard, and a fake `./pants`.

The scratch repository has four libraries: ingest and features use nothing, models uses
ingest, jobs uses models. The fake Pants answers `peek packages::` the way the real one
does (same JSON fields), from the files and BUILD versions currently in the repository.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

USES = {"ingest": [], "features": [], "models": ["ingest"], "jobs": ["models"]}


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def write_and_commit(root: Path, files: Mapping[str, str], message: str) -> str:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "add", "--", *files)
    git(root, "commit", "--quiet", "--message", message)
    return git(root, "rev-parse", "HEAD").strip()


def source_dir(name: str) -> str:
    return f"packages/{name}/src/brickyard/{name}"


class FakePants:
    """Answers `peek packages::` from the scratch repository; records every call."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.calls: list[list[str]] = []

    def __call__(self, args: Sequence[str]) -> str:
        self.calls.append(list(args))
        if list(args) != ["peek", "packages::"]:
            raise AssertionError(f"unexpected pants call: {args}")
        targets: list[dict[str, Any]] = []
        for name, uses in USES.items():
            directory = source_dir(name)
            build = (self.root / directory / "BUILD").read_text()
            version = re.search(r'version="([^"]+)"', build)
            assert version is not None
            modules = sorted(p.name for p in (self.root / directory).glob("*.py"))
            files = [f"{directory}/{module}:src" for module in modules]
            targets.append(
                {
                    "address": f"{directory}:dist",
                    "target_type": "python_distribution",
                    "dependencies": files,
                    "long_description_path": f"packages/{name}/README.md",
                    "provides": {"name": f"brickyard-{name}", "version": version[1]},
                }
            )
            for module, address in zip(modules, files, strict=True):
                targets.append(
                    {
                        "address": address,
                        "target_type": "python_source",
                        "dependencies": [f"{source_dir(used)}/core.py:src" for used in uses],
                        "sources": [f"{directory}/{module}"],
                    }
                )
        return json.dumps(targets)


@pytest.fixture
def scratch_repo(tmp_path: Path) -> Path:
    """A committed repository with the four libraries at 0.1.0 and no release tags."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.name", "Release Test")
    git(root, "config", "user.email", "release-test@example.org")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "config", "tag.gpgsign", "false")
    files = {"README.md": "# scratch\n"}
    for name in USES:
        files[f"{source_dir(name)}/BUILD"] = (
            f'brickyard_library(\n    name="{name}",\n    version="0.1.0",\n)\n'
        )
        files[f"{source_dir(name)}/core.py"] = f"NAME = {name!r}\n"
        files[f"packages/{name}/README.md"] = f"# brickyard-{name}\n"
        files[f"packages/{name}/tests/test_core.py"] = "def test_nothing(): ...\n"
    write_and_commit(root, files, "feat: four libraries")
    return root


@pytest.fixture
def fake_pants(scratch_repo: Path) -> FakePants:
    return FakePants(scratch_repo)


@pytest.fixture
def commit(scratch_repo: Path) -> Callable[[Mapping[str, str], str], str]:
    return lambda files, message: write_and_commit(scratch_repo, files, message)


@pytest.fixture
def tag_all(scratch_repo: Path) -> Callable[[], None]:
    """Tag every library's current version at HEAD, as a release would."""

    def tag() -> None:
        for name in USES:
            git(scratch_repo, "tag", "--annotate", f"{name}/v0.1.0", "--message", name)

    return tag
