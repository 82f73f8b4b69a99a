"""The drift check: conda-lock.yml and its spec still say what the Pants lockfile says.

- the spec equals what `generate` would write now from the Pants lockfile;
- conda-lock.yml parses with conda-lock's own models, and its content hash per platform is
  the one conda-lock computes from the spec (so conda-lock itself would not re-lock);
- every pip entry is a project the Pants lockfile pins, at its version, with the URL and
  sha256 of one of its artifacts; and no project the Pants lockfile installs is missing;
- every conda entry is a conda-forge URL with md5 and sha256, Python at the spec's version,
  and is one of the recorded conda-forge records (shared-config/conda/conda-forge-records.yml)
  to the byte: version, URL, build, md5 and sha256.

A mismatch names the package and both versions.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from conda_lock.content_hash import compute_content_hashes
from conda_lock.lockfile import parse_conda_lock_file
from conda_lock.lockfile.v2prelim.models import LockedDependency, Lockfile
from conda_lock.src_parser import make_lock_spec
from conda_lock.virtual_package import default_virtual_package_repodata
from packaging.utils import canonicalize_name

from brickyard_dev.conda.pants_lock import PantsLock
from brickyard_dev.conda.records import CONDA_FORGE, Record, Records
from brickyard_dev.conda.spec import EnvironmentSpec

_PIN = re.compile(r"^\s+- ([A-Za-z0-9._-]+)==(.+)$", re.MULTILINE)


def spec_problems(
    committed: str, expected: EnvironmentSpec, spec_name: str, pants_name: str
) -> list[str]:
    if committed == expected.text:
        return []
    ours = dict(_PIN.findall(committed))
    theirs = dict(_PIN.findall(expected.text))
    problems = [
        f"{name}: {spec_name} pins {ours.get(name, '(nothing)')}, "
        f"{pants_name} has {theirs.get(name, '(nothing)')}"
        for name in sorted(ours.keys() | theirs.keys())
        if ours.get(name) != theirs.get(name)
    ]
    return problems or [f"{spec_name} differs from what generate writes (not in the pins)"]


def content_hash_problems(
    lock: Lockfile, lock_name: str, spec_path: Path, platforms: tuple[str, ...]
) -> list[str]:
    """conda-lock's own content hash of the spec, per platform, against the lockfile's."""
    with tempfile.TemporaryDirectory() as work:
        mapping = Path(work) / "pypi-to-conda.json"
        mapping.write_text("{}")  # parsing an environment.yml needs no name lookups
        lock_spec = make_lock_spec(
            src_files=[spec_path], platform_overrides=platforms, mapping_url=str(mapping)
        )
        virtual_packages = default_virtual_package_repodata()
        with virtual_packages:  # its __enter__ returns None
            hashes = compute_content_hashes(lock_spec, virtual_packages)
    return [
        f"{platform}: {lock_name} was locked from another spec "
        f"(content hash {lock.metadata.content_hash.get(platform)}, the spec's is {hashes[platform]})"
        for platform in platforms
        if lock.metadata.content_hash.get(platform) != hashes[platform]
    ]


def _build(url: str, name: str, version: str) -> str:
    """The build string in a conda package file name: `<name>-<version>-<build>.conda`."""
    stem = url.rsplit("/", 1)[-1].removesuffix(".conda").removesuffix(".tar.bz2")
    return stem.removeprefix(f"{name}-{version}-")


def record_problems(
    entry: LockedDependency, record: Record | None, lock_name: str, records_name: str
) -> list[str]:
    """A conda entry against the conda-forge record of its name and platform."""
    where = f"{entry.name} ({entry.platform})"
    if record is None:
        return [f"{where}: {lock_name} has {entry.url}, which is not in {records_name}"]
    fields = {
        "version": (entry.version, record.version),
        "url": (entry.url, record.url),
        "build": (entry.build or _build(entry.url, entry.name, entry.version), record.build),
        "md5": (entry.hash.md5, record.md5),
        "sha256": (entry.hash.sha256, record.sha256),
    }
    return [
        f"{where}: {lock_name} has {field} {ours}, the conda-forge record in {records_name} has {theirs}"
        for field, (ours, theirs) in fields.items()
        if ours != theirs
    ]


def lock_problems(
    lockfile: Path,
    spec_path: Path,
    spec: EnvironmentSpec,
    pants_lock: PantsLock,
    pants_name: str,
    records: Records,
    records_name: str,
) -> list[str]:
    try:
        lock = parse_conda_lock_file(lockfile)
    except Exception as error:  # any parse failure is the finding
        return [f"{lockfile.name} does not parse with conda-lock's models: {error}"]
    problems: list[str] = []
    platforms = tuple(lock.metadata.platforms)
    if set(platforms) != set(spec.platforms):
        problems.append(f"{lockfile.name} locks {list(platforms)}, the spec {list(spec.platforms)}")

    problems += content_hash_problems(lock, lockfile.name, spec_path, spec.platforms)
    for platform in platforms:
        entries = [p for p in lock.package if p.platform == platform]
        pip = {canonicalize_name(p.name): p for p in entries if p.manager == "pip"}
        expected = spec.closures[platform].projects if platform in spec.closures else {}
        for name, entry in sorted(pip.items()):
            project = pants_lock.projects.get(name)
            if project is None:
                problems.append(
                    f"{name} ({platform}): {lockfile.name} has {entry.version}, {pants_name} has (nothing)"
                )
                continue
            if entry.version != project.version:
                problems.append(
                    f"{name} ({platform}): {lockfile.name} has {entry.version}, {pants_name} has {project.version}"
                )
                continue
            artifact = next((a for a in project.artifacts if a.sha256 == entry.hash.sha256), None)
            if artifact is None or artifact.url != entry.url:
                problems.append(
                    f"{name} {entry.version} ({platform}): {entry.url} sha256 {entry.hash.sha256} "
                    f"is not an artifact of {name} {project.version} in {pants_name}"
                )
        for name in sorted(pip.keys() - expected.keys()):
            if name in pants_lock.projects:
                problems.append(
                    f"{name} ({platform}): {lockfile.name} has {pip[name].version}, "
                    f"{pants_name} does not install it on {platform}"
                )
        for wanted, project in expected.items():
            if wanted not in pip:
                problems.append(
                    f"{wanted} ({platform}): {lockfile.name} has (nothing), {pants_name} has {project.version}"
                )
        for entry in entries:
            if entry.manager != "conda":
                continue
            if not entry.url.startswith(CONDA_FORGE + "/") or not (
                entry.hash.md5 and entry.hash.sha256
            ):
                problems.append(
                    f"{entry.name} ({platform}): not a hashed conda-forge artifact: {entry.url}"
                )
            if entry.name == "python" and entry.version != spec.python_version:
                problems.append(
                    f"python ({platform}): {lockfile.name} has {entry.version}, the spec {spec.python_version}"
                )
            recorded = {r.name: r for r in records.by_platform.get(platform, ())}
            problems += record_problems(
                entry, recorded.get(entry.name), lockfile.name, records_name
            )
    return problems
