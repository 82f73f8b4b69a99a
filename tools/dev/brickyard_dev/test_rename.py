import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from brickyard_dev.cli import main
from brickyard_dev.conftest import fake_pants
from brickyard_dev.errors import DevError
from brickyard_dev.rename import RenamePlan, apply, plan
from brickyard_dev.workspace import Workspace

FILES = {
    "tools/pants-plugins/macros.py": '_NAMESPACE = "brickyard"\n\n\ndef brickyard_library(name):\n    pass\n',
    "packages/ingest/src/brickyard/ingest/BUILD": 'brickyard_library(name="ingest")\n',
    "packages/ingest/src/brickyard/ingest/__init__.py": "from brickyard.ingest.readers import read\n",
    "packages/ingest/src/brickyard/ingest/readers.py": "def read():\n    return 'BRICKYARD__DB__URL'\n",
    "README.md": "# Brickyard\n\n`pip install brickyard-ingest` from `@brickyard-internal`.\n",
    "pants": "#!/usr/bin/env bash\ncache=${BRICKYARD_CACHE_DIR:-$HOME/.cache/brickyard}\n",
    "tools/dev/brickyard_dev/cli.py": "from brickyard_dev.errors import DevError\n",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed scratch repository that spells the namespace every way this one does."""
    root = tmp_path / "repo"
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / "pants").chmod(0o755)
    (root / "logo.bin").write_bytes(b"\0brickyard\xff")
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "template")
    return root


def _plan(repo: Path, new: str) -> RenamePlan:
    return plan(Workspace.at(repo, fake_pants({})), new)


def _namespace(repo: Path) -> str:
    return Workspace.at(repo, fake_pants({})).namespace


def test_every_spelling_and_path_is_renamed(repo: Path) -> None:
    apply(repo, _plan(repo, "quarry"))
    assert _namespace(repo) == "quarry"
    assert (repo / "packages/ingest/src/quarry/ingest/__init__.py").read_text() == (
        "from quarry.ingest.readers import read\n"
    )
    assert "QUARRY__DB__URL" in (repo / "packages/ingest/src/quarry/ingest/readers.py").read_text()
    assert (
        repo / "packages/ingest/src/quarry/ingest/BUILD"
    ).read_text() == 'quarry_library(name="ingest")\n'
    assert (repo / "README.md").read_text() == (
        "# Quarry\n\n`pip install quarry-ingest` from `@quarry-internal`.\n"
    )
    assert (
        repo / "tools/dev/quarry_dev/cli.py"
    ).read_text() == "from quarry_dev.errors import DevError\n"
    assert not (repo / "packages/ingest/src/brickyard").exists()
    assert not (repo / "tools/dev/brickyard_dev").exists()


def test_the_launcher_stays_executable_and_uses_its_own_cache(repo: Path) -> None:
    apply(repo, _plan(repo, "quarry"))
    launcher = repo / "pants"
    assert os.access(launcher, os.X_OK)
    assert launcher.read_text().endswith("cache=${QUARRY_CACHE_DIR:-$HOME/.cache/quarry}\n")


def test_binary_files_are_left_alone(repo: Path) -> None:
    apply(repo, _plan(repo, "quarry"))
    assert (repo / "logo.bin").read_bytes() == b"\0brickyard\xff"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Acme", "invalid namespace 'Acme'"),
        ("acme-corp", "invalid namespace 'acme-corp'"),
        ("import", "it is a Python keyword"),
        ("brickyard", "the namespace is 'brickyard' already"),
    ],
)
def test_bad_names_are_refused(repo: Path, new: str, message: str) -> None:
    with pytest.raises(DevError, match=message):
        _plan(repo, new)


def test_uncommitted_changes_are_refused_before_anything_changes(repo: Path) -> None:
    (repo / "README.md").write_text("# Brickyard, edited\n")
    with pytest.raises(DevError, match="uncommitted changes"):
        _plan(repo, "quarry")
    assert (repo / "packages/ingest/src/brickyard/ingest/BUILD").exists()


def test_dry_run_changes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(repo), "rename", "quarry", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "rename: brickyard -> quarry" in out
    assert "rename: move tools/dev/brickyard_dev/cli.py -> tools/dev/quarry_dev/cli.py" in out
    assert "would change the text of 7 files, would change 4 paths" in out
    assert (repo / "packages/ingest/src/brickyard/ingest/BUILD").exists()


def test_the_cli_refuses_with_exit_code_1(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(repo), "rename", "9lives"]) == 1
    assert capsys.readouterr().err.startswith("dev rename: error: invalid namespace '9lives'")


def test_a_drawing_stamped_with_its_source_is_restamped(repo: Path) -> None:
    source = 'digraph { "brickyard-ingest"; }\n'
    stamp = hashlib.sha256(source.encode()).hexdigest()
    (repo / "docs").mkdir()
    (repo / "docs/graph.dot").write_text(source)
    (repo / "docs/graph.svg").write_text(
        f"<!-- source sha256: {stamp} -->\n<svg>brickyard-ingest</svg>\n"
    )
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "graph")
    apply(repo, _plan(repo, "quarry"))
    renamed = (repo / "docs/graph.dot").read_text()
    assert renamed == 'digraph { "quarry-ingest"; }\n'
    assert (repo / "docs/graph.svg").read_text() == (
        f"<!-- source sha256: {hashlib.sha256(renamed.encode()).hexdigest()} -->\n"
        "<svg>quarry-ingest</svg>\n"
    )
