"""Reading the Pants (pex) lockfile: pinned projects, their artifacts, and per-platform closures.

The lockfile is universal: it pins every project any platform could need. The notebook
environment needs, per conda platform, the projects reachable from the resolve's top-level
requirements once environment markers are evaluated for that platform and our Python, the
way conda-lock evaluates them: its marker environment knows sys_platform, platform_system,
os_name and the Python version, and its Poetry counts a clause on any other name
(implementation_name, platform_machine...) as satisfied. Pinning that closure leaves
conda-lock nothing to choose.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from conda_lock.interfaces.vendored_poetry_markers import parse_marker
from conda_lock.pypi_solver import PlatformEnv
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from brickyard_dev.errors import DevError

PLATFORMS = ("linux-64", "osx-arm64", "win-64")

_METADATA_BEGIN = "// --- BEGIN PANTS LOCKFILE METADATA: DO NOT EDIT OR REMOVE ---"
_METADATA_END = "// --- END PANTS LOCKFILE METADATA ---"


@dataclass(frozen=True)
class Artifact:
    url: str
    sha256: str

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class LockedProject:
    name: str  # canonical (PEP 503) name
    version: str
    requires_dists: tuple[str, ...]
    artifacts: tuple[Artifact, ...]


@dataclass(frozen=True)
class Closure:
    platform: str
    projects: dict[str, LockedProject]
    missing: tuple[str, ...]  # requirements whose project the lockfile does not pin
    without_wheel: tuple[str, ...]  # pinned projects with no wheel for this platform

    def gaps(self) -> str:
        """Why this platform cannot be installed from the lockfile alone ('' if it can)."""
        reasons = []
        if self.missing:
            reasons.append("requirements the lockfile does not pin: " + ", ".join(self.missing))
        if self.without_wheel:
            reasons.append("no wheel for this platform: " + ", ".join(self.without_wheel))
        return "; ".join(reasons)


def _wheel_fits(filename: str, platform: str) -> bool:
    """Whether a wheel installs on CPython 3.11 for a conda platform (sdists never count)."""
    if not filename.endswith(".whl"):
        return False
    _, _, python_tag, abi_tag, platform_tag = filename[:-4].rsplit("-", 4)
    pythons = set(python_tag.split("."))
    if not pythons & {"py3", "cp311", "py2.py3"} and not (abi_tag == "abi3" and pythons):
        return False
    if pythons <= {"pp311", "pp310"}:
        return False
    if platform_tag == "any":
        return True
    tags = platform_tag.split(".")
    if platform == "linux-64":
        return any(t.startswith("manylinux") and t.endswith("x86_64") for t in tags)
    if platform == "osx-arm64":
        return any(t.startswith("macosx") and t.endswith(("arm64", "universal2")) for t in tags)
    return "win_amd64" in tags


def _sdist_only(project: LockedProject) -> bool:
    """A project that publishes no wheels at all (e.g. pyspark): pip builds its sdist the
    same way on every platform, as the Pants lockfile itself does."""
    return bool(project.artifacts) and not any(
        a.filename.endswith(".whl") for a in project.artifacts
    )


@dataclass(frozen=True)
class PantsLock:
    path: Path
    requirements: tuple[Requirement, ...]  # the resolve's top-level requirements
    projects: dict[str, LockedProject]

    def closure(
        self, platform: str, python_version: str, leave_out: Collection[str] = ()
    ) -> Closure:
        """The projects installed on `platform` with CPython `python_version` (e.g. 3.11.9)
        from the top-level requirements, but those named in `leave_out`."""
        environment = PlatformEnv(platform=platform, python_version=python_version).get_marker_env()
        wanted: dict[str, set[str]] = {}
        missing: set[str] = set()
        pending = [
            (req, "") for req in self.requirements if canonicalize_name(req.name) not in leave_out
        ]
        while pending:
            req, extra = pending.pop()
            if req.marker is not None and not parse_marker(str(req.marker)).validate(
                {**environment, "extra": extra}
            ):
                continue
            name = canonicalize_name(req.name)
            project = self.projects.get(name)
            if project is None:
                missing.add(str(req))
                continue
            new_extras = {""} | set(req.extras)
            if name in wanted and new_extras <= wanted[name]:
                continue
            wanted.setdefault(name, set()).update(new_extras)
            for dist in project.requires_dists:
                for active in new_extras:
                    pending.append((Requirement(dist), active))
        projects = {name: self.projects[name] for name in sorted(wanted)}
        no_wheel = tuple(
            f"{p.name}=={p.version}"
            for p in projects.values()
            if not _sdist_only(p)
            and not any(_wheel_fits(a.filename, platform) for a in p.artifacts)
        )
        return Closure(platform, projects, tuple(sorted(missing)), no_wheel)


def read_pants_lock(path: Path) -> PantsLock:
    """Parse a Pants lockfile (JSON after a `//` comment header)."""
    try:
        text = path.read_text()
    except OSError as error:
        raise DevError(f"cannot read the Pants lockfile {path}: {error}") from error
    lines = text.splitlines()
    try:
        begin, end = lines.index(_METADATA_BEGIN), lines.index(_METADATA_END)
        metadata = json.loads("\n".join(line[2:] for line in lines[begin + 1 : end]))
        data = json.loads("\n".join(line for line in lines if not line.startswith("//")))
    except (ValueError, json.JSONDecodeError) as error:
        raise DevError(f"{path} is not a Pants lockfile: {error}") from error
    resolves = data.get("locked_resolves") or []
    if len(resolves) != 1:
        raise DevError(f"{path}: expected one locked resolve, found {len(resolves)}")
    projects: dict[str, LockedProject] = {}
    for entry in resolves[0]["locked_requirements"]:
        name = canonicalize_name(entry["project_name"])
        artifacts = tuple(
            Artifact(url=a["url"], sha256=a["hash"])
            for a in entry["artifacts"]
            if a.get("algorithm") == "sha256"
        )
        projects[name] = LockedProject(
            name=name,
            version=entry["version"],
            requires_dists=tuple(entry.get("requires_dists") or ()),
            artifacts=artifacts,
        )
    requirements = tuple(Requirement(r) for r in metadata["generated_with_requirements"])
    return PantsLock(path=path, requirements=requirements, projects=projects)
