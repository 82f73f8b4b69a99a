"""Publishing end to end, against a real pypiserver with authenticated uploads.

Pants builds every library's wheel and sdist into this test's sandbox (the BUILD target's
runtime_package_dependencies). The release tool's `publish` checks them all and uploads
them in dependency order; then a fresh virtualenv installs `brickyard-jobs` from that
index alone and runs the pipeline from the installed packages.

The index also serves the libraries' third-party dependencies, at the lockfile's pins,
downloaded once per lockfile into ~/.cache/brickyard/test-wheels (about 150 MB).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from passlib.apache import HtpasswdFile

from brickyard_dev.release.publishing import (
    PublishError,
    Twine,
    canonical_name,
    publish,
    read_metadata,
)

LIBRARIES = ("core", "ingest", "features", "models", "reporting", "jobs")
USER, PASSWORD = "publisher", "correct-horse-battery-staple"
# Only what pip needs to reach PyPI or a mirror, for the one-off download of the pins.
NETWORK_VARIABLES = (
    "PIP_INDEX_URL",
    "PIP_CERT",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)


@dataclass(frozen=True)
class Index:
    url: str  # uploads go here
    upload_dir: Path

    @property
    def simple(self) -> str:
        return f"{self.url}simple/"

    def twine(self, password: str = PASSWORD) -> Twine:
        return Twine(
            repository_url=self.url, env={"TWINE_USERNAME": USER, "TWINE_PASSWORD": password}
        )

    def stored(self) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in self.upload_dir.iterdir()}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _serve(workdir: Path, *read_only_dirs: Path) -> Iterator[Index]:
    """A pypiserver on 127.0.0.1: anyone may download, only USER may upload, and nothing
    is fetched from PyPI (no fallback), so installs see this index and nothing else."""
    upload_dir = workdir / "uploads"
    upload_dir.mkdir(parents=True)
    htpasswd = HtpasswdFile(str(workdir / "htpasswd"), new=True)
    htpasswd.set_password(USER, PASSWORD)
    htpasswd.save()
    port = _free_port()
    log_path = workdir / "pypiserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pypiserver",
                "run",
                "--host=127.0.0.1",
                f"--port={port}",
                "--authenticate=update",
                f"--passwords={workdir / 'htpasswd'}",
                "--disable-fallback",
                str(upload_dir),
                *map(str, read_only_dirs),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"pypiserver did not start:\n{log_path.read_text()}"
                    ) from None
                time.sleep(0.1)
        yield Index(url=url, upload_dir=upload_dir)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _built_files() -> list[Path]:
    """The wheels and sdists Pants built into the sandbox (runtime_package_dependencies)."""
    files = sorted(Path.cwd().glob("brickyard*.whl")) + sorted(Path.cwd().glob("brickyard*.tar.gz"))
    names = {canonical_name(read_metadata(file)["Name"]) for file in files}
    assert names == {f"brickyard-{name}" for name in LIBRARIES}, files
    assert len(files) == 2 * len(LIBRARIES), files
    return [file.absolute() for file in files]


def _third_party_requirements(built: list[Path]) -> list[str]:
    """Our wheels' Requires-Dist lines that name others' projects, extras included (pip
    must also fetch what e.g. `ibis-framework[duckdb]` pulls in)."""
    wheels = [read_metadata(file) for file in built if file.name.endswith(".whl")]
    ours = {canonical_name(metadata["Name"]) for metadata in wheels}
    requirements = {
        requirement
        for metadata in wheels
        for requirement in metadata.get_all("Requires-Dist") or []
        if canonical_name(re.split(r"[\s\[<>=!~;(]", requirement, maxsplit=1)[0]) not in ours
    }
    return sorted(requirements)


def _lockfile_pins() -> list[str]:
    # This test runs in an environment installed from lockfiles/python-default.lock, so its
    # distributions carry exactly the lockfile's pins.
    pins = {
        canonical_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"]
    }
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def _third_party_wheels(requirements: list[str]) -> Path:
    """Wheels for linux/CPython 3.11 of `requirements` and all they need, at the lockfile's
    pins; downloaded once per set of pins, then reused from ~/.cache/brickyard."""
    pins = _lockfile_pins()
    key = hashlib.sha256(
        json.dumps([sys.version_info[:2], sys.platform, requirements, pins]).encode()
    ).hexdigest()[:16]
    cache = Path.home() / ".cache" / "brickyard" / "test-wheels" / key
    if cache.is_dir():
        return cache
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(f"{cache}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    (staging / "requirements.txt").write_text("\n".join(requirements) + "\n")
    (staging / "constraints.txt").write_text("\n".join(pins) + "\n")
    environment = {
        "HOME": str(Path.home()),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **{name: os.environ[name] for name in NETWORK_VARIABLES if name in os.environ},
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--only-binary=:all:",
            f"--dest={staging / 'wheels'}",
            f"--requirement={staging / 'requirements.txt'}",
            f"--constraint={staging / 'constraints.txt'}",
        ],
        check=True,
        env=environment,
    )
    # Complete downloads only: a run killed half-way leaves a .partial directory, not a cache.
    try:
        staging.rename(cache)
    except OSError:  # another run finished the same download first
        shutil.rmtree(staging, ignore_errors=True)
    return cache


@pytest.fixture(scope="module")
def built() -> list[Path]:
    return _built_files()


@pytest.fixture(scope="module")
def full_index(built: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """An index serving the pinned third-party wheels; the libraries are uploaded to it."""
    wheels = _third_party_wheels(_third_party_requirements(built))
    with _serve(tmp_path_factory.mktemp("index"), wheels / "wheels") as index:
        yield index


@pytest.fixture
def empty_index(tmp_path: Path) -> Iterator[Index]:
    with _serve(tmp_path / "index") as index:
        yield index


def _minimal_environment(home: Path) -> dict[str, str]:
    # No PYTHONPATH, no PIP_* from the machine: the venv sees only what it installed.
    return {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        # The test runner's OpenMP limit ([test].extra_env_vars), for the job's training.
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }


def test_built_metadata_pins_ranges_not_versions(built: list[Path]) -> None:
    for wheel in (file for file in built if file.suffix == ".whl"):
        metadata = read_metadata(wheel)
        assert metadata["Summary"] and metadata["Author"] and metadata["License"], wheel.name
        assert metadata["Requires-Python"] == ">=3.11,<3.12"
        for requirement in metadata.get_all("Requires-Dist") or []:
            assert "==" not in requirement, f"{wheel.name}: {requirement} is pinned"
            if requirement.startswith("brickyard-"):
                assert "~=" in requirement, f"{wheel.name}: {requirement} is not ~="
            else:
                assert ">=" in requirement, f"{wheel.name}: {requirement} has no range"
    jobs = read_metadata(next(file for file in built if file.name.startswith("brickyard_jobs")))
    assert {r.split(" ")[0] for r in jobs.get_all("Requires-Dist") or []} >= {
        f"brickyard-{name}" for name in LIBRARIES if name != "jobs"
    }


def test_released_libraries_install_from_the_private_index_and_run(
    built: list[Path], full_index: Index, tmp_path: Path
) -> None:
    uploaded = publish(built, full_index.twine())

    assert sorted(full_index.stored()) == sorted(file.name for file in built)
    names = [dist.name for dist in uploaded]
    assert names[-1] == "brickyard-jobs"
    for position, dist in enumerate(uploaded):
        ours = {required for required in dist.requires if required.startswith("brickyard-")}
        assert ours <= set(names[:position]), f"{dist.name} uploaded before {ours}"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    environment = _minimal_environment(tmp_path)
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-cache-dir",
            # Modules compile when first imported; compiling all of SciPy and friends up front
            # is most of an install's time.
            "--no-compile",
            f"--index-url={full_index.simple}",
            "brickyard-jobs",
        ],
        check=True,
        env=environment,
        cwd=tmp_path,
    )
    installed = subprocess.run(
        [python, "-c", "import brickyard.jobs.cli as cli, brickyard.ingest; print(cli.__file__)"],
        check=True,
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    ).stdout
    assert installed.startswith(str(venv)), installed

    # The wheel carries no deployment configuration: point the job at a copy of it.
    config = shutil.copytree(Path("shared-config"), tmp_path / "config")
    output = tmp_path / "output"
    job = subprocess.run(
        [
            python,
            "-c",
            "import sys; from brickyard.jobs.cli import pipeline_main; "
            "sys.exit(pipeline_main(sys.argv[1:]))",
            f"--output-dir={output}",
            f"--config-dir={config}",
            "--as-of=2015-12-31",
            # A small model: what is tested is that the installed packages run the job.
            *("--set", "model.max_iter=10", "--set", "backtest.n_splits=1"),
            *("--set", "backtest.test_days=30"),
        ],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert job.returncode == 0, job.stderr
    report = output / "runs" / "2015-12-31" / "report.html"
    assert report.is_file()
    assert "data:image/png;base64," in report.read_text()
    summary = json.loads((output / "runs" / "2015-12-31" / "summary.json").read_text())
    assert summary["as_of"] == "2015-12-31"


def test_wrong_credentials_are_refused_and_nothing_is_stored(
    built: list[Path], empty_index: Index
) -> None:
    ingest = [
        file for file in built if file.name.startswith(("brickyard_ingest", "brickyard-ingest"))
    ]
    with pytest.raises(PublishError) as refused:
        publish(ingest, empty_index.twine(password="wrong"))
    message = str(refused.value)
    assert "403 Forbidden" in message
    assert "refused the credentials; set TWINE_USERNAME and TWINE_PASSWORD" in message
    assert "Uploaded before it: nothing." in message
    assert empty_index.stored() == {}


def test_a_published_version_cannot_be_replaced(
    built: list[Path], empty_index: Index, tmp_path: Path
) -> None:
    wheel = next(file for file in built if file.name.startswith("brickyard_ingest"))
    publish([wheel], empty_index.twine())
    original = empty_index.stored()

    # Same name and version, different content: what a rebuilt, unbumped library looks like.
    changed = tmp_path / wheel.name
    shutil.copy(wheel, changed)
    with zipfile.ZipFile(changed, "a") as archive:
        archive.writestr("brickyard/ingest/extra.py", "CHANGED = True\n")

    with pytest.raises(PublishError) as refused:
        publish([changed], empty_index.twine())
    assert "400 Bad Request" in str(refused.value)
    assert "published versions are immutable" in str(refused.value)
    assert empty_index.stored() == original


def _broken_wheel(directory: Path) -> Path:
    """A distribution whose README would not render: reStructuredText with a broken title."""
    stem = "brickyard_broken-0.1.0"
    metadata = (
        "Metadata-Version: 2.1\nName: brickyard-broken\nVersion: 0.1.0\n"
        "Summary: Fails twine check.\nDescription-Content-Type: text/x-rst\n"
        "Requires-Dist: brickyard-ingest~=0.1.0\n\n"
        "Title\n===\n\n.. image::\n\n`unclosed\n"
    )
    path = directory / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("brickyard/broken/__init__.py", "")
        wheel.writestr(f"{stem}.dist-info/METADATA", metadata)
        wheel.writestr(
            f"{stem}.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr(f"{stem}.dist-info/RECORD", "")
    return path


def test_one_broken_distribution_stops_the_release_before_any_upload(
    built: list[Path], empty_index: Index, tmp_path: Path
) -> None:
    broken = _broken_wheel(tmp_path)
    with pytest.raises(PublishError) as stopped:
        publish([*built, broken], empty_index.twine())
    message = str(stopped.value)
    assert "`twine check --strict` failed, so nothing was uploaded" in message
    assert f"{broken.name}: FAILED" in message
    # Only the broken file is reported; the good ones passed.
    assert "brickyard_ingest" not in message
    assert empty_index.stored() == {}
