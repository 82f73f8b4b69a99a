"""conda-forge package records: imported from a public conda-lock.yml, served as a local channel.

Our machines cannot reach conda-forge, and a conda record (URL, md5, sha256, dependencies)
must never be invented. So the records of Python and its dependencies are copied verbatim
from one public conda-lock.yml that conda-lock wrote against conda-forge, with the source
(repository, commit, path, file sha256) kept beside them. `write_channel` turns them into a
repodata-only mirror of conda-forge: a `repodata.json` per subdir whose `info.base_url`
(CEP 15) points at https://conda.anaconda.org/conda-forge/<subdir>/, so a solver reading the
mirror reports conda-forge's own package URLs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from brickyard.core import write_file
from brickyard_dev.errors import DevError

CONDA_FORGE = "https://conda.anaconda.org/conda-forge"
# What the environment needs from the conda side; everything else comes from pip.
ROOT_PACKAGES = ("python", "pip")


@dataclass(frozen=True)
class Record:
    name: str
    version: str
    url: str
    md5: str
    sha256: str
    dependencies: dict[str, str]  # as conda-lock writes them: name -> version spec ('' = any)

    @property
    def subdir(self) -> str:
        return self.url.rsplit("/", 2)[-2]

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    @property
    def build(self) -> str:
        stem = self.filename.removesuffix(".conda").removesuffix(".tar.bz2")
        return stem[len(f"{self.name}-{self.version}-") :]

    def repodata_entry(self) -> dict[str, Any]:
        build_number = self.build.rsplit("_", 1)[-1] if "_" in self.build else ""
        return {
            "name": self.name,
            "version": self.version,
            "build": self.build,
            # conda-lock.yml does not carry build numbers; they only rank candidates of
            # one version, and each mirror holds one candidate per name.
            "build_number": int(build_number) if build_number.isdigit() else 0,
            "depends": [f"{n} {s}".strip() for n, s in sorted(self.dependencies.items())],
            "subdir": self.subdir,
            "md5": self.md5,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class Records:
    source: dict[str, str]
    by_platform: dict[str, tuple[Record, ...]]

    def python_version(self, platform: str) -> str:
        for record in self.by_platform[platform]:
            if record.name == "python":
                return record.version
        raise DevError(f"the conda-forge records have no python for {platform}")


def import_records(lockfile: Path, platforms: tuple[str, ...], source: dict[str, str]) -> Records:
    """The closure of ROOT_PACKAGES per platform in a conda-lock.yml, records copied verbatim."""
    data = yaml.safe_load(lockfile.read_text())
    conda = {(p["platform"], p["name"]): p for p in data["package"] if p["manager"] == "conda"}
    by_platform: dict[str, tuple[Record, ...]] = {}
    for platform in platforms:
        seen: dict[str, Record] = {}
        pending = list(ROOT_PACKAGES)
        while pending:
            name = pending.pop()
            if name in seen or name.startswith("__"):
                continue  # virtual packages (__glibc, __osx, __win) come from the solver
            entry = conda.get((platform, name))
            if entry is None:
                raise DevError(f"{lockfile}: no {name} record for {platform}")
            if not entry["url"].startswith(CONDA_FORGE + "/"):
                raise DevError(f"{lockfile}: {name} is not from conda-forge: {entry['url']}")
            seen[name] = Record(
                name=name,
                version=str(entry["version"]),
                url=entry["url"],
                md5=entry["hash"]["md5"],
                sha256=entry["hash"]["sha256"],
                dependencies={k: str(v) for k, v in (entry.get("dependencies") or {}).items()},
            )
            pending.extend(seen[name].dependencies)
        by_platform[platform] = tuple(seen[n] for n in sorted(seen))
    file_sha256 = hashlib.sha256(lockfile.read_bytes()).hexdigest()
    return Records(source={**source, "sha256": file_sha256}, by_platform=by_platform)


_HEADER = """\
# conda-forge records of Python, pip and their dependencies, per platform, copied verbatim
# (url, md5, sha256, dependencies) from the public conda-lock.yml named in `source`, which
# conda-lock wrote against conda-forge. Our machines cannot reach conda-forge; these are
# what the offline lock solves against. Re-import with:
#   ./pants run tools/dev -- conda import-records <conda-lock.yml> --repository ...
"""


def write_records(records: Records, path: Path) -> None:
    body = {
        "source": records.source,
        "records": {
            platform: [
                {
                    "name": r.name,
                    "version": r.version,
                    "url": r.url,
                    "md5": r.md5,
                    "sha256": r.sha256,
                    "dependencies": r.dependencies,
                }
                for r in recs
            ]
            for platform, recs in records.by_platform.items()
        },
    }
    write_file(path, _HEADER + yaml.safe_dump(body, sort_keys=False, width=100))


def read_records(path: Path) -> Records:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise DevError(f"cannot read the conda-forge records {path}: {error}") from error
    return Records(
        source=data["source"],
        by_platform={
            platform: tuple(Record(**entry) for entry in entries)
            for platform, entries in data["records"].items()
        },
    )


def write_channel(records: Records, root: Path) -> Path:
    """A repodata-only conda-forge mirror under `root`; returns the channel directory."""
    channel = root / "conda-forge"
    subdirs: dict[str, dict[str, dict[str, Any]]] = {}
    for recs in records.by_platform.values():
        for record in recs:
            subdirs.setdefault(record.subdir, {})[record.filename] = record.repodata_entry()
    for subdir in sorted({*subdirs, "noarch"}):
        packages = subdirs.get(subdir, {})
        repodata = {
            "info": {"subdir": subdir, "base_url": f"{CONDA_FORGE}/{subdir}/"},
            "packages": {k: v for k, v in sorted(packages.items()) if k.endswith(".tar.bz2")},
            "packages.conda": {k: v for k, v in sorted(packages.items()) if k.endswith(".conda")},
            "repodata_version": 2,
        }
        (channel / subdir).mkdir(parents=True, exist_ok=True)
        (channel / subdir / "repodata.json").write_text(json.dumps(repodata, indent=1))
    return channel
