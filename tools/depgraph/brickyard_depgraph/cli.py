"""`./pants run tools/depgraph:depgraph -- [--check]`: draw or check docs/dependency-graph.*.

Exit codes: 0 written (or fresh), 1 stale files or a failure (the message says what to
do), 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from brickyard_depgraph.drawing import GENERATED_BY, DrawingError, dot_source, render_svg, stale
from brickyard_release.errors import ReleaseError
from brickyard_release.workspace import PantsRunner, load_workspace, pants_runner
from brickyard_scaffold.errors import ScaffoldError
from brickyard_scaffold.workspace import read_layering


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="depgraph",
        description="Draw the library dependency graph from Pants' dependency data into "
        "docs/dependency-graph.dot and .svg (embedded in the README).",
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument(
        "--output", type=Path, default=Path("docs/dependency-graph"), help="path without suffix"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed files are stale; write nothing",
    )
    return parser


def main(argv: Sequence[str] | None = None, run_pants: PantsRunner | None = None) -> int:
    args = _parser().parse_args(argv)
    root: Path = args.root.resolve()
    dot_path = root / args.output.with_suffix(".dot")
    svg_path = root / args.output.with_suffix(".svg")
    try:
        workspace = load_workspace(run_pants or pants_runner(str(root)))
        source = dot_source(workspace, read_layering(root).layers)
        if args.check:
            reasons = stale(
                source,
                dot_path.read_text() if dot_path.exists() else None,
                svg_path.read_text() if svg_path.exists() else None,
            )
            if reasons:
                print(
                    f"depgraph: stale {dot_path.relative_to(root)} / {svg_path.relative_to(root)}: "
                    f"{'; '.join(reasons)}. Run `{GENERATED_BY}` and commit both.",
                    file=sys.stderr,
                )
                return 1
            print(f"depgraph: {svg_path.relative_to(root)} is fresh")
            return 0
        svg = render_svg(source)
    except (ReleaseError, ScaffoldError, DrawingError) as error:
        print(f"depgraph: error: {error}", file=sys.stderr)
        return 1
    dot_path.parent.mkdir(parents=True, exist_ok=True)
    dot_path.write_text(source)
    svg_path.write_text(svg)
    edges = sum(len(used) for used in workspace.requires.values())
    print(
        f"depgraph: wrote {dot_path.relative_to(root)} and {svg_path.relative_to(root)} "
        f"({len(workspace.libraries)} libraries, {edges} dependencies)"
    )
    return 0
