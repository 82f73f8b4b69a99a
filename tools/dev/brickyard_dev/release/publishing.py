"""Publishing: check every distribution with `twine check --strict`, then upload them in
dependency order, so an index never holds a library whose requirements it cannot serve and
a release with one bad distribution uploads nothing at all.

The order comes from the distributions' own metadata (their `Requires-Dist`), which Pants
wrote from the dependency graph: it holds wherever the files are, with or without Pants.
"""

from __future__ import annotations

import email.parser
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Protocol

from brickyard_dev.errors import DevError


class PublishError(DevError):
    """Publishing stopped; the message says what was uploaded and what was not."""


_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")  # PEP 508 name
_HTTP_ERROR = re.compile(r"HTTPError: (?P<status>\d{3}) (?P<reason>.*?) from (?P<url>\S+)")


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Distribution:
    """One project at one version: its wheel and/or sdist."""

    name: str  # canonical, e.g. "brickyard-ingest"
    version: str
    files: tuple[Path, ...]
    requires: frozenset[str]  # canonical names of its Requires-Dist


def read_metadata(path: Path) -> Message:
    """The core metadata of a wheel (`*.dist-info/METADATA`) or sdist (`PKG-INFO`)."""
    parser = email.parser.Parser()
    try:
        if path.name.endswith(".whl"):
            with zipfile.ZipFile(path) as wheel:
                names = [
                    n for n in wheel.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)
                ]
                if len(names) == 1:
                    return parser.parsestr(wheel.read(names[0]).decode("utf-8"))
        elif path.name.endswith(".tar.gz"):
            with tarfile.open(path) as sdist:
                members = [m for m in sdist.getmembers() if re.fullmatch(r"[^/]+/PKG-INFO", m.name)]
                handle = sdist.extractfile(members[0]) if len(members) == 1 else None
                if handle is not None:
                    return parser.parsestr(handle.read().decode("utf-8"))
        else:
            raise PublishError(f"{path} is neither a wheel (.whl) nor an sdist (.tar.gz)")
    except (OSError, zipfile.BadZipFile, tarfile.TarError, UnicodeDecodeError) as error:
        raise PublishError(f"cannot read {path}: {error}") from None
    raise PublishError(f"{path} has no metadata file (METADATA in a wheel, PKG-INFO in an sdist)")


def collect(paths: Iterable[Path]) -> list[Distribution]:
    """The distributions the files make up, grouped by project name and version."""
    grouped: dict[tuple[str, str], list[Path]] = {}
    requires: dict[tuple[str, str], set[str]] = {}
    for path in paths:
        metadata = read_metadata(path)
        name, version = metadata.get("Name"), metadata.get("Version")
        if not name or not version:
            raise PublishError(f"{path} has no Name or Version in its metadata")
        key = (canonical_name(name), version)
        grouped.setdefault(key, []).append(path)
        for requirement in metadata.get_all("Requires-Dist") or ():
            # Requirements needed only for an extra are not needed to install the library.
            if "extra ==" in requirement.replace('"', "").replace("'", ""):
                continue
            match = _NAME.match(requirement.strip())
            if match:
                requires.setdefault(key, set()).add(canonical_name(match[0]))
    names = [name for name, _ in grouped]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise PublishError(f"more than one version of {', '.join(twice)} given: publish one each")
    return [
        Distribution(
            name=name,
            version=version,
            files=tuple(sorted(files)),
            requires=frozenset(requires.get((name, version), ())),
        )
        for (name, version), files in grouped.items()
    ]


def upload_order(distributions: Sequence[Distribution]) -> list[Distribution]:
    """Each distribution after the ones it requires (among those given); ties by name."""
    remaining = {dist.name: dist for dist in distributions}
    ordered: list[Distribution] = []
    while remaining:
        ready = sorted(
            name for name, dist in remaining.items() if not (dist.requires & remaining.keys())
        )
        if not ready:
            raise PublishError(f"distributions require each other in a cycle: {sorted(remaining)}")
        ordered.extend(remaining.pop(name) for name in ready)
    return ordered


class Publisher(Protocol):
    @property
    def destination(self) -> str: ...

    def check(self, files: Sequence[Path]) -> str | None: ...

    def upload(self, files: Sequence[Path]) -> str | None: ...


@dataclass(frozen=True)
class Twine:
    """`python -m twine` against one repository: a URL, or a section of a .pypirc file.

    Credentials come from the environment only (TWINE_USERNAME, TWINE_PASSWORD), never
    from the command line, where other users of the machine could read them.
    """

    repository_url: str | None = None
    repository: str | None = None
    config_file: Path | None = None
    python: str = sys.executable
    env: Mapping[str, str] = field(default_factory=dict)  # added to os.environ

    @property
    def destination(self) -> str:
        environment = {**os.environ, **self.env}
        return (
            self.repository_url
            or environment.get("TWINE_REPOSITORY_URL")
            or f"@{self.repository} in {self.config_file}"
        )

    def run(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.python, "-m", "twine", "--no-color", *args],
            capture_output=True,
            text=True,
            check=False,
            # Wide enough that twine's rich console never wraps a file name.
            env={**os.environ, "COLUMNS": "500", **self.env},
        )

    def check(self, files: Sequence[Path]) -> str | None:
        """None if every file passes `twine check --strict`, else what failed."""
        completed = self.run(["check", "--strict", *map(str, files)])
        if completed.returncode == 0:
            return None
        output = [line.rstrip() for line in (completed.stdout + completed.stderr).splitlines()]
        return "\n".join(line for line in output if line and not line.endswith("PASSED"))

    def upload(self, files: Sequence[Path]) -> str | None:
        """None if the index accepted every file, else why it did not."""
        args = ["upload", "--non-interactive", "--disable-progress-bar"]
        if self.repository_url:
            args += ["--repository-url", self.repository_url]
        else:
            if self.config_file is not None:
                args += ["--config-file", str(self.config_file)]
            if self.repository:
                args += ["--repository", self.repository]
        completed = self.run([*args, *map(str, files)])
        if completed.returncode == 0:
            return None
        return explain_upload_failure(completed.stdout + completed.stderr)


def explain_upload_failure(output: str) -> str:
    match = _HTTP_ERROR.search(output)
    if match is None:
        # Not an answer from the index (unreachable, DNS, TLS): twine's last line says which.
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        return lines[-1] if lines else "twine failed without saying why"
    status, reason, url = int(match["status"]), match["reason"].strip(), match["url"]
    if status in (401, 403):
        return (
            f"{status} {reason} from {url}: the index refused the credentials; set "
            "TWINE_USERNAME and TWINE_PASSWORD to an account allowed to upload there"
        )
    if status in (400, 409):
        return (
            f"{status} {reason} from {url}: the index refused the files, most likely because "
            "this version is already there; published versions are immutable, so release a "
            "new version (./pants run tools/dev -- release --apply)"
        )
    return f"{status} {reason} from {url}"


def publish(
    files: Sequence[Path],
    twine: Publisher,
    report: Callable[[str], None] = lambda line: None,
) -> list[Distribution]:
    """Check all `files`, then upload them one distribution at a time in dependency order.

    Returns the distributions uploaded, in order. Raises PublishError before any upload if
    a file fails the check, and stops at the first upload the index refuses.
    """
    if not files:
        raise PublishError("nothing to publish: no distribution files given")
    problems = twine.check(files)
    if problems is not None:
        raise PublishError(
            f"`twine check --strict` failed, so nothing was uploaded:\n{problems}\n"
            "Fix the metadata (the library README, its brickyard_library(...) call) and "
            "package again."
        )
    ordered = upload_order(collect(files))
    report(
        f"checked {len(files)} files; uploading to {twine.destination} in this order: "
        + ", ".join(f"{dist.name} {dist.version}" for dist in ordered)
    )
    uploaded: list[Distribution] = []
    for dist in ordered:
        failure = twine.upload(dist.files)
        if failure is not None:
            done = ", ".join(d.name for d in uploaded) or "nothing"
            left = ", ".join(d.name for d in ordered[len(uploaded) :])
            raise PublishError(
                f"upload of {dist.name} {dist.version} to {twine.destination} failed: {failure}\n"
                f"Uploaded before it: {done}. Not uploaded: {left}."
            )
        uploaded.append(dist)
        report(f"uploaded {dist.name} {dist.version} ({', '.join(f.name for f in dist.files)})")
    return uploaded
