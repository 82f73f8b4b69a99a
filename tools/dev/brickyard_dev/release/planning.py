"""Which libraries a release includes, and the version each one gets.

A library is released when a file it owns changed since its base (its last
`<library>/v<version>` tag, or `--since`), or when it uses such a library, directly or
not: its requirement ranges must move with the new versions. A library never tagged has
never been released, so it counts as changed since the repository's first commit.

The bump is `--bump` if given, else the largest one its commits since the base ask for
(conventional commits: `feat` minor, `fix`/`perf` patch, `!` or `BREAKING CHANGE` major),
at least a patch. A library released only because a dependency changed gets a patch bump:
its own interface did not change.
"""

from __future__ import annotations

from dataclasses import dataclass

from brickyard_dev.errors import DevError
from brickyard_dev.release.gitrepo import GitRepo
from brickyard_dev.release.versions import Bump, Commit, bump_for_commits, bump_version
from brickyard_dev.workspace import Library, LibraryGraph


@dataclass(frozen=True)
class LibraryRelease:
    library: Library
    base: str | None  # the ref changes are counted from; None: never released
    commits: tuple[Commit, ...]  # commits since base that touched the library, newest first
    changed: bool  # its own files changed (else it is released for its dependencies)
    because_of: tuple[str, ...]  # changed libraries it uses, directly or not
    bump: Bump
    next_version: str

    @property
    def tag(self) -> str:
        return self.library.tag(self.next_version)

    @property
    def reason(self) -> str:
        if not self.changed:
            return f"uses {', '.join(self.because_of)}"
        count = len(self.commits)
        commits = f"{count} commit{'s' if count != 1 else ''}"
        return (
            f"changed since {self.base} ({commits})" if self.base else f"never released ({commits})"
        )


def plan_release(
    graph: LibraryGraph,
    git: GitRepo,
    since: str | None = None,
    forced_bump: Bump | None = None,
) -> list[LibraryRelease]:
    """The libraries to release, in dependency order (each after the libraries it uses)."""
    if since is not None and not git.resolve(since):
        raise DevError(f"--since {since!r} is not a commit, tag or branch in this repository")
    bases: dict[str, str | None] = {}
    # Libraries released together have their tags on one commit: diff it once.
    diffs: dict[str, set[str]] = {}
    changed: set[str] = set()
    for name, library in graph.libraries.items():
        base = since if since is not None else git.last_tag(library.tag_pattern)
        bases[name] = base
        if base is None:
            changed.add(name)
            continue
        commit = git.resolve(base) or base
        if commit not in diffs:
            diffs[commit] = git.changed_files(commit)
        if any(library.owns(path) for path in diffs[commit]):
            changed.add(name)

    released = changed | graph.dependents(changed)
    plan = []
    for name in graph.dependency_order(released):
        library = graph.libraries[name]
        commits = tuple(git.commits(bases[name], library.paths))
        own = name in changed
        # A library released only for its dependencies: its own interface did not change.
        bump = (forced_bump or bump_for_commits(commits) or Bump.PATCH) if own else Bump.PATCH
        uses = graph.dependency_order(used for used in changed if name in graph.dependents([used]))
        plan.append(
            LibraryRelease(
                library=library,
                base=bases[name],
                commits=commits,
                changed=own,
                because_of=tuple(uses),
                bump=bump,
                next_version=bump_version(library.version, bump),
            )
        )
    return plan
