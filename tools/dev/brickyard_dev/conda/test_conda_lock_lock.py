"""The real `conda-lock lock` and `conda-lock render` over a spec from our generator, offline.

What our machines cannot reach is replaced by TEST DOUBLES, built here:

- conda-forge: a file:// channel of tiny packages named `python` (3.11.9) and `pip`, made in
  a temp dir and indexed by py-rattler; conda-lock's "conda" is `standin_solver` (py-rattler,
  itself a stand-in, never conda), pointed at it through $BRICKYARD_CONDA_CHANNELS.
- PyPI: an index on 127.0.0.1 listing every artifact of the Pants lockfile by file name and
  sha256, with PEP 658 metadata built from the Pants lockfile (no file is ever downloaded).

Everything between them, the spec parsing, content hash, pip solve and lockfile writing, is
conda-lock's own code, run as its CLI in a subprocess.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conda_lock.lockfile import parse_conda_lock_file
from packaging.utils import canonicalize_name

from brickyard_dev.conda.drift import content_hash_problems
from brickyard_dev.conda.lock import child_environment, conda_lock, write_standin
from brickyard_dev.conda.pants_lock import PantsLock, read_pants_lock
from brickyard_dev.conda.records import Record, Records
from brickyard_dev.conda.spec import build_spec

PYTHON_VERSION = "3.11.9"


def _conda_package(path: Path, index: dict[str, object]) -> None:
    """A minimal conda package: info/index.json and an empty info/paths.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:bz2") as archive:
        for name, body in (
            ("info/index.json", index),
            ("info/paths.json", {"paths": [], "paths_version": 1}),
        ):
            data = json.dumps(body).encode()
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))


# py-rattler 0.28 can crash the interpreter's shutdown after its work is done (segfault or
# abort, about one run in four), so indexing runs in a child that skips the shutdown.
_INDEX = (
    "import asyncio, os, sys, rattler.index;"
    "asyncio.run(rattler.index.index_fs(sys.argv[1], write_zst=False, write_shards=False));"
    "sys.stdout.flush(); os._exit(0)"
)


def _index(channel: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", _INDEX, str(channel)], env=child_environment(channel), check=True
    )


def _test_channel(root: Path) -> Records:
    """TEST DOUBLE for conda-forge: python + pip per platform, indexed by py-rattler."""
    channel = root / "conda-forge"
    for subdir in ("linux-64", "osx-arm64", "win-64"):
        _conda_package(
            channel / subdir / f"python-{PYTHON_VERSION}-0_test.tar.bz2",
            {
                "name": "python",
                "version": PYTHON_VERSION,
                "build": "0_test",
                "build_number": 0,
                "depends": [],
                "subdir": subdir,
            },
        )
    _conda_package(
        channel / "noarch" / "pip-24.0-0_test.tar.bz2",
        {
            "name": "pip",
            "version": "24.0",
            "build": "0_test",
            "build_number": 0,
            "depends": ["python >=3.7"],
            "subdir": "noarch",
            "noarch": "python",
        },
    )
    _index(channel)
    by_platform = {}
    noarch = json.loads((channel / "noarch" / "repodata.json").read_text())
    for subdir in ("linux-64", "osx-arm64", "win-64"):
        repodata = json.loads((channel / subdir / "repodata.json").read_text())
        by_platform[subdir] = tuple(
            Record(
                name=entry["name"],
                version=entry["version"],
                url=(channel / entry["subdir"] / filename).as_uri(),
                md5=entry["md5"],
                sha256=entry["sha256"],
                dependencies=dict(d.partition(" ")[::2] for d in entry["depends"]),
            )
            for data in (repodata, noarch)
            for filename, entry in data["packages"].items()
        )
    return Records(source={"test double": str(channel)}, by_platform=by_platform)


def _metadata(name: str, pants_lock: PantsLock) -> bytes:
    project = pants_lock.projects[name]
    extras = sorted(
        {m for d in project.requires_dists for m in re.findall(r"extra == ['\"]([^'\"]+)", d)}
    )
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {project.version}"]
    lines += [f"Provides-Extra: {extra}" for extra in extras]
    lines += [f"Requires-Dist: {dist}" for dist in project.requires_dists]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def pypi_double(repo_root: Path) -> Iterator[str]:
    """TEST DOUBLE for PyPI: the Pants lockfile's artifacts and metadata on 127.0.0.1."""
    pants_lock = read_pants_lock(repo_root / "lockfiles/python-default.lock")
    metadata = {
        artifact.filename: _metadata(name, pants_lock)
        for name, project in pants_lock.projects.items()
        for artifact in project.artifacts
    }

    class Index(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            parts = self.path.strip("/").split("/")
            if parts[0] == "simple" and len(parts) == 2:
                project = pants_lock.projects.get(canonicalize_name(parts[1]))
                if project is None:
                    return self._send(404, b"", "text/plain")
                links = "".join(
                    f'<a href="/files/{a.filename}#sha256={a.sha256}" '
                    f'data-dist-info-metadata="sha256={hashlib.sha256(metadata[a.filename]).hexdigest()}">'
                    f"{html.escape(a.filename)}</a><br/>\n"
                    for a in project.artifacts
                )
                return self._send(200, f"<html><body>\n{links}</body></html>".encode(), "text/html")
            if parts[0] == "files" and parts[-1].endswith(".metadata"):
                body = metadata.get(parts[-1].removesuffix(".metadata"))
                if body is not None:
                    return self._send(200, body, "text/plain")
            self._send(404, b"", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()


def test_conda_lock_locks_and_renders_the_generated_spec_offline(
    repo_root: Path, tmp_path: Path, pypi_double: str
) -> None:
    pants_lock = read_pants_lock(repo_root / "lockfiles/python-default.lock")
    records = _test_channel(tmp_path / "channels")
    spec = build_spec(pants_lock, records, "lockfiles/python-default.lock", pip_index=pypi_double)
    (tmp_path / "environment.yml").write_text(spec.text)
    (tmp_path / "pypi-to-conda.json").write_text("{}")
    env = {
        **child_environment(tmp_path / "channels"),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }

    locked = conda_lock(
        [
            "lock",
            "--conda",
            str(write_standin(tmp_path / "bin")),
            "--file",
            "environment.yml",
            "--lockfile",
            "conda-lock.yml",
            "--pypi_to_conda_lookup_file",
            "pypi-to-conda.json",
        ],
        env=env,
        cwd=tmp_path,
    )
    assert locked.returncode == 0, locked.stdout + locked.stderr

    lock = parse_conda_lock_file(tmp_path / "conda-lock.yml")
    assert tuple(lock.metadata.platforms) == spec.platforms == ("linux-64", "osx-arm64")
    assert [c.url for c in lock.metadata.channels] == ["conda-forge"]
    assert (
        content_hash_problems(lock, "conda-lock.yml", tmp_path / "environment.yml", spec.platforms)
        == []
    )
    test_records = {r.url: r for recs in records.by_platform.values() for r in recs}
    for platform in spec.platforms:
        conda = {p.name: p for p in lock.package if p.platform == platform and p.manager == "conda"}
        assert sorted(conda) == ["pip", "python"]
        assert conda["python"].version == PYTHON_VERSION
        for entry in conda.values():
            assert entry.url.startswith((tmp_path / "channels" / "conda-forge").as_uri())
            assert (entry.hash.md5, entry.hash.sha256) == (
                test_records[entry.url].md5,
                test_records[entry.url].sha256,
            )
        pip = {
            canonicalize_name(p.name): p
            for p in lock.package
            if p.platform == platform and p.manager == "pip"
        }
        assert set(pip) == set(spec.closures[platform].projects)
        for name, entry in pip.items():
            project = pants_lock.projects[name]
            assert entry.version == project.version, name
            assert (entry.url.rsplit("/", 1)[-1], entry.hash.sha256) in {
                (a.filename, a.sha256) for a in project.artifacts
            }, name

    (tmp_path / "explicit").mkdir()
    rendered = conda_lock(
        [
            "render",
            "--kind",
            "explicit",
            "--filename-template",
            "explicit/conda-{platform}.lock",
            "conda-lock.yml",
        ],
        env=env,
        cwd=tmp_path,
    )
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    assert sorted(p.name for p in (tmp_path / "explicit").iterdir()) == [
        "conda-linux-64.lock",
        "conda-osx-arm64.lock",
    ]
    for platform in spec.platforms:
        text = (tmp_path / "explicit" / f"conda-{platform}.lock").read_text()
        assert "\n@EXPLICIT\n" in text
        python = next(r for r in records.by_platform[platform] if r.name == "python")
        assert f"{python.url}#{python.md5}" in text
        numpy = next(p for p in lock.package if p.name == "numpy" and p.platform == platform)
        assert f"# pip numpy @ {numpy.url}#sha256={numpy.hash.sha256}" in text


def test_conda_lock_renders_the_committed_lock_to_explicit_files(
    repo_root: Path, tmp_path: Path
) -> None:
    rendered = conda_lock(
        [
            "render",
            "--kind",
            "explicit",
            "--filename-template",
            str(tmp_path / "conda-{platform}.lock"),
            str(repo_root / "conda-lock.yml"),
        ],
        env=child_environment(tmp_path),
        cwd=tmp_path,
    )
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    for platform in ("linux-64", "osx-arm64"):
        lines = (tmp_path / f"conda-{platform}.lock").read_text().splitlines()
        assert "@EXPLICIT" in lines
        conda = [line for line in lines if line.startswith("https://")]
        assert conda and all(
            line.startswith("https://conda.anaconda.org/conda-forge/") for line in conda
        )
        assert any(f"/{platform}/python-3.11.9-" in line for line in conda)
