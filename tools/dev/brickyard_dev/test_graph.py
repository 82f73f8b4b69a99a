from pathlib import Path

import pytest

from brickyard_dev.cli import main
from brickyard_dev.conftest import LAYERS, fake_pants, peek_output
from brickyard_dev.graph import dot_source, render_svg, source_hash, stale
from brickyard_dev.workspace import parse_libraries


def _peek_output() -> str:
    """Real `./pants peek` output of two libraries (ingest, and jobs which uses it)."""
    return peek_output("peek_ingest_jobs")


def test_the_source_has_one_row_per_layer_and_pants_edges() -> None:
    source = dot_source(parse_libraries(_peek_output()), LAYERS)
    assert '"jobs" -> "ingest";' in source
    assert 'subgraph layer_1 { rank=same; "ingest" [label="brickyard-ingest\\n' in source
    assert source.index("layer_5") < source.index("layer_1")  # highest layer first: drawn on top
    assert source == dot_source(parse_libraries(_peek_output()), LAYERS)  # deterministic


def test_libraries_outside_the_layering_are_still_drawn() -> None:
    source = dot_source(parse_libraries(_peek_output()), ("ingest",))
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


def test_check_fails_on_missing_files_and_passes_once_written(
    scratch_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = scratch_workspace
    pants = fake_pants({("peek", "packages::"): _peek_output()})
    assert main(["--root", str(root), "graph", "--check"], run_pants=pants) == 1
    assert "Run `./pants run tools/dev -- graph` and commit both." in capsys.readouterr().err
    source = dot_source(parse_libraries(_peek_output()), LAYERS)
    (root / "docs").mkdir()
    (root / "docs/dependency-graph.dot").write_text(source)
    (root / "docs/dependency-graph.svg").write_text(
        f"<!-- source sha256: {source_hash(source)} -->"
    )
    assert main(["--root", str(root), "graph", "--check"], run_pants=pants) == 0
    assert capsys.readouterr().out == "graph: docs/dependency-graph.svg is fresh\n"
