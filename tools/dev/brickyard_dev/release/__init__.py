"""release [--since REF] [--bump patch|minor|major] [--apply]
release publish [LIBRARY ...] [--repository-url URL] [--no-package] ...

Each library is released on its own: its version lives in its BUILD file, a release is
the git tag `<library>/v<version>`. A library is released when a file it owns changed
since its last tag (or --since), and so is every library that uses it, directly or not.
The bump comes from conventional commits (`feat` minor, `fix`/`perf` patch, `!` or
`BREAKING CHANGE:` major; at least a patch), or --bump; a library released only for its
dependencies gets a patch.

Without --apply it prints the plan and changes nothing. --apply bumps the versions,
prepends a section to each CHANGELOG.md, commits and tags (refusing uncommitted changes
and existing tags first). `publish` packages the libraries (default: those whose tag
points at HEAD), checks every wheel and sdist with `twine check --strict`, then uploads
them in dependency order; nothing is uploaded if any check fails. Credentials:
TWINE_USERNAME and TWINE_PASSWORD, from the environment only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from brickyard_dev.errors import DevError
from brickyard_dev.release.applying import apply_release
from brickyard_dev.release.gitrepo import GitRepo
from brickyard_dev.release.planning import LibraryRelease, plan_release
from brickyard_dev.release.publishing import Twine, canonical_name, publish
from brickyard_dev.release.versions import Bump
from brickyard_dev.workspace import Library, Workspace

HELP = "plan (dry run), --apply or publish the release of the changed libraries"
PUBLISH_COMMAND = "./pants run tools/dev -- release publish"


def configure(parser: argparse.ArgumentParser) -> None:
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
    commands = parser.add_subparsers(dest="command", metavar="publish")
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


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    if args.command == "publish":
        return _publish(args, workspace)
    git = GitRepo(workspace.root)
    forced = Bump[args.bump.upper()] if args.bump else None
    plan = plan_release(workspace.libraries(), git, since=args.since, forced_bump=forced)
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


def _publish(args: argparse.Namespace, workspace: Workspace) -> int:
    root = workspace.root
    graph = workspace.libraries()
    if args.libraries:
        names = graph.dependency_order(args.libraries)
    else:
        at_head = set(GitRepo(root).tags_at_head())
        names = [
            name
            for name in graph.dependency_order()
            if graph.libraries[name].tag(graph.libraries[name].version) in at_head
        ]
        if not names:
            raise DevError(
                "no library's release tag <library>/v<version> points at HEAD: release first "
                "(--apply), or name the libraries to publish"
            )
    libraries = [graph.libraries[name] for name in names]
    if not args.no_package:
        workspace.run_pants(["package", *(library.address for library in libraries)])
    dist_dir = root / args.dist_dir
    files = [path for library in libraries for path in _artifacts(library, dist_dir)]
    twine = Twine(
        repository_url=args.repository_url,
        repository=args.repository,
        config_file=root / args.config_file,
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
        raise DevError(
            f"no wheel or sdist of {library.distribution} {library.version} in {dist_dir}: "
            f"package it first (./pants package {library.address})"
        )
    return found
