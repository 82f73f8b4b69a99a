import hashlib
import os
from pathlib import Path

import pytest

from brickyard_rename.cli import main
from brickyard_rename.conftest import git
from brickyard_rename.errors import RenameError
from brickyard_rename.renaming import apply, current_namespace, plan


def test_every_spelling_and_path_is_renamed(repo: Path) -> None:
    apply(repo, plan(repo, "quarry"))
    assert current_namespace(repo) == "quarry"
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
        repo / "tools/release/quarry_release/cli.py"
    ).read_text() == "from quarry_release.errors import E\n"
    assert not (repo / "packages/ingest/src/brickyard").exists()
    assert not (repo / "tools/release/brickyard_release").exists()


def test_the_launcher_stays_executable_and_uses_its_own_cache(repo: Path) -> None:
    apply(repo, plan(repo, "quarry"))
    launcher = repo / "pants"
    assert os.access(launcher, os.X_OK)
    assert launcher.read_text().endswith("cache=${QUARRY_CACHE_DIR:-$HOME/.cache/quarry}\n")


def test_binary_files_are_left_alone(repo: Path) -> None:
    apply(repo, plan(repo, "quarry"))
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
    with pytest.raises(RenameError, match=message):
        plan(repo, new)


def test_uncommitted_changes_are_refused_before_anything_changes(repo: Path) -> None:
    (repo / "README.md").write_text("# Brickyard, edited\n")
    with pytest.raises(RenameError, match="uncommitted changes"):
        plan(repo, "quarry")
    assert (repo / "packages/ingest/src/brickyard/ingest/BUILD").exists()


def test_dry_run_changes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quarry", "--root", str(repo), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "rename: brickyard -> quarry" in out
    assert (
        "rename: move tools/release/brickyard_release/cli.py -> tools/release/quarry_release/cli.py"
        in out
    )
    assert "would change the text of 7 files, would change 4 paths" in out
    assert (repo / "packages/ingest/src/brickyard/ingest/BUILD").exists()


def test_the_cli_refuses_with_exit_code_1(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["9lives", "--root", str(repo)]) == 1
    assert capsys.readouterr().err.startswith("rename: error: invalid namespace '9lives'")


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
    apply(repo, plan(repo, "quarry"))
    renamed = (repo / "docs/graph.dot").read_text()
    assert renamed == 'digraph { "quarry-ingest"; }\n'
    assert (repo / "docs/graph.svg").read_text() == (
        f"<!-- source sha256: {hashlib.sha256(renamed.encode()).hexdigest()} -->\n"
        "<svg>quarry-ingest</svg>\n"
    )
