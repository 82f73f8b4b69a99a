import json
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import pytest

from brickyard_depgraph.cli import main
from brickyard_depgraph.drawing import dot_source, render_svg, source_hash, stale
from brickyard_release.workspace import parse_peek

LAYERS = ("ingest", "features", "models", "reporting", "jobs")


def _peek_output() -> str:
    """Real `./pants peek` output of two libraries (ingest, and jobs which uses it)."""
    return (files("brickyard_release") / "testdata" / "peek_ingest_jobs.json").read_text()


def test_the_source_has_one_row_per_layer_and_pants_edges() -> None:
    source = dot_source(parse_peek(_peek_output()), LAYERS)
    assert '"jobs" -> "ingest";' in source
    assert 'subgraph layer_0 { rank=same; "ingest" [label="brickyard-ingest\\n' in source
    assert source.index("layer_4") < source.index("layer_0")  # highest layer first: drawn on top
    assert source == dot_source(parse_peek(_peek_output()), LAYERS)  # deterministic


def test_libraries_outside_the_layering_are_still_drawn() -> None:
    source = dot_source(parse_peek(_peek_output()), ("ingest",))
    assert '  "jobs" [label="brickyard-jobs\\n' in source


@pytest.fixture
def fake_dot(tmp_path: Path) -> str:
    script = tmp_path / "dot"
    script.write_text("#!/bin/sh\ncat >/dev/null\nprintf '<?xml version=\"1.0\"?>\\n<svg/>\\n'\n")
    script.chmod(0o755)
    return str(script)


def test_the_svg_is_stamped_with_its_source(fake_dot: str) -> None:
    source = "digraph {}\n"
    svg = render_svg(source, dot=fake_dot)
    assert svg == (
        f'<?xml version="1.0"?>\n<!-- source sha256: {source_hash(source)} -->\n<svg/>\n'
    )
    assert stale(source, source, svg) == []


def test_stale_names_each_reason() -> None:
    assert stale("new\n", "old\n", "<svg/>") == [
        "the .dot source differs from Pants' dependency data",
        "the .svg was not rendered from the current source",
    ]
    assert stale("new\n", None, None)


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "BUILD").write_text(f"brickyard_layering(layers={json.dumps(list(LAYERS))})\n")
    return tmp_path


def _pants(args: Sequence[str]) -> str:
    assert list(args) == ["peek", "packages::"]
    return _peek_output()


def test_check_fails_on_missing_files_and_passes_once_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    assert main(["--root", str(root), "--check"], run_pants=_pants) == 1
    assert "Run `./pants run tools/depgraph:depgraph` and commit both." in capsys.readouterr().err
    source = dot_source(parse_peek(_peek_output()), LAYERS)
    (root / "docs").mkdir()
    (root / "docs/dependency-graph.dot").write_text(source)
    (root / "docs/dependency-graph.svg").write_text(
        f"<!-- source sha256: {source_hash(source)} -->"
    )
    assert main(["--root", str(root), "--check"], run_pants=_pants) == 0
    assert capsys.readouterr().out == "depgraph: docs/dependency-graph.svg is fresh\n"
