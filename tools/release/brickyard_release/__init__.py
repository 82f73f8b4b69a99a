"""Release tool: which libraries to release, their next versions, and publishing them.

`plan_release` finds the libraries changed since their last `<library>/v<version>` tag plus
everything that depends on them (the dependency graph comes from Pants), and the version
bump from conventional commits; `apply_release` writes the versions and changelogs, commits
and tags; `publish` checks every distribution, then uploads them in dependency order.
"""

from brickyard_release.applying import apply_release
from brickyard_release.errors import PublishError, ReleaseError
from brickyard_release.planning import LibraryRelease, plan_release
from brickyard_release.publishing import Twine, publish
from brickyard_release.versions import Bump

__all__ = [
    "Bump",
    "LibraryRelease",
    "PublishError",
    "ReleaseError",
    "Twine",
    "apply_release",
    "plan_release",
    "publish",
]
