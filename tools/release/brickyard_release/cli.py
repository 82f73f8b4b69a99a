"""`./pants run tools/release:release -- [--since REF] [--bump LEVEL] [--apply]` and
`./pants run tools/release:release -- publish [LIBRARY ...]`.

Exit codes: 0 done (or nothing to do), 1 the release or publish was refused, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from brickyard_release.applying import apply_release
from brickyard_release.errors import ReleaseError
from brickyard_release.gitrepo import GitRepo
from brickyard_release.planning import LibraryRelease, plan_release
from brickyard_release.publishing import Twine, canonical_name, publish
from brickyard_release.versions import Bump
from brickyard_release.workspace import Library, PantsRunner, load_workspace, pants_runner

PUBLISH_COMMAND = "./pants run tools/release:release -- publish"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="release",
        description="Plan (default: dry run) or --apply a release of the changed libraries "
        "and everything that uses them; `publish` uploads released libraries.",
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument(
        "--since",
        metavar="REF",
        help="count changes since REF for every library (default: its last release tag)",
    )
    parser.add_argument(
        "--bump",
        choices=[str(bump) for bump in Bump],
        help="bump level for changed libraries (default: from conventional commits)",
    )
    parser.add_argument(
        "--apply",
        action="store_true",
        help="write versions and changelogs, commit and tag (default: only print the plan)",
    )
    commands = parser.add_subparsers(dest="command")
    publish_parser = commands.add_parser(
        "publish",
        help="check all, then upload in dependency order",
        description="Package the libraries, check every wheel and sdist with `twine check "
        "--strict`, then upload them in dependency order; nothing is uploaded if any check "
        "fails. Credentials: TWINE_USERNAME and TWINE_PASSWORD.",
    )
    publish_parser.add_argument(
        "libraries",
        nargs="*",
        metavar="LIBRARY",
        help="libraries to publish (default: those whose release tag points at HEAD)",
    )
    publish_parser.add_argument("--dist-dir", type=Path, default=Path("dist"))
    publish_parser.add_argument(
        "--repository", default="brickyard-internal", help="section of the twine config file"
    )
    publish_parser.add_argument(
        "--config-file", type=Path, default=Path("shared-config/publish/pypirc")
    )
    publish_parser.add_argument(
        "--repository-url", help="upload here instead (also: $TWINE_REPOSITORY_URL)"
    )
    publish_parser.add_argument(
        "--no-package", action="store_true", help="use the files already in --dist-dir"
    )
    return parser


def main(argv: Sequence[str] | None = None, run_pants: PantsRunner | None = None) -> int:
    args = _parser().parse_args(argv)
    root: Path = args.root.resolve()
    run_pants = run_pants or pants_runner(str(root))
    try:
        if args.command == "publish":
            return _publish(args, root, run_pants)
        return _release(args, root, run_pants)
    except ReleaseError as error:
        print(f"release: error: {error}", file=sys.stderr)
        return 1


def _release(args: argparse.Namespace, root: Path, run_pants: PantsRunner) -> int:
    git = GitRepo(root)
    workspace = load_workspace(run_pants)
    forced = Bump[args.bump.upper()] if args.bump else None
    plan = plan_release(workspace, git, since=args.since, forced_bump=forced)
    if not plan:
        where = args.since or "its last release tag"
        print(f"Nothing to release: no library changed since {where}.")
        return 0
    print(_format_plan(plan))
    if not args.apply:
        print("\nDry run: nothing was written. Add --apply to bump, commit and tag.")
        return 0
    applied = apply_release(plan, git)
    print(f"\nCommitted {applied.commit[:10]} and tagged {', '.join(applied.tags)}.")
    print("Next: push the commit and tags (git push --follow-tags), then publish:")
    print(f"  {PUBLISH_COMMAND}")
    return 0


def _format_plan(plan: list[LibraryRelease]) -> str:
    rows = [("library", "version", "bump", "why")] + [
        (
            release.library.distribution,
            f"{release.library.version} -> {release.next_version}",
            str(release.bump),
            release.reason,
        )
        for release in plan
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    )


def _publish(args: argparse.Namespace, root: Path, run_pants: PantsRunner) -> int:
    workspace = load_workspace(run_pants)
    git = GitRepo(root)
    if args.libraries:
        names = workspace.dependency_order(args.libraries)
    else:
        at_head = set(git.tags_at_head())
        names = [
            name
            for name in workspace.dependency_order()
            if workspace.libraries[name].tag(workspace.libraries[name].version) in at_head
        ]
        if not names:
            raise ReleaseError(
                "no library's release tag <library>/v<version> points at HEAD: release first "
                "(--apply), or name the libraries to publish"
            )
    libraries = [workspace.libraries[name] for name in names]
    if not args.no_package:
        run_pants(["package", *(library.address for library in libraries)])
    dist_dir = args.dist_dir if args.dist_dir.is_absolute() else root / args.dist_dir
    files = [path for library in libraries for path in _artifacts(library, dist_dir)]
    config_file = args.config_file if args.config_file.is_absolute() else root / args.config_file
    twine = Twine(
        repository_url=args.repository_url,
        repository=args.repository,
        config_file=config_file,
    )
    uploaded = publish(files, twine, report=print)
    print(f"Published {', '.join(f'{dist.name} {dist.version}' for dist in uploaded)}.")
    return 0


def _artifacts(library: Library, dist_dir: Path) -> list[Path]:
    """The wheel and sdist of the library's current version in `dist_dir`."""
    stem = canonical_name(library.distribution).replace("-", "_")
    patterns = [
        f"{stem}-{library.version}-*.whl",
        f"{library.distribution}-{library.version}.tar.gz",
        f"{stem}-{library.version}.tar.gz",
    ]
    found = sorted({path for pattern in patterns for path in dist_dir.glob(pattern)})
    if not found:
        raise ReleaseError(
            f"no wheel or sdist of {library.distribution} {library.version} in {dist_dir}: "
            f"package it first (./pants package {library.address})"
        )
    return found
