from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from brickyard_dev.release.publishing import (
    PublishError,
    Twine,
    collect,
    explain_upload_failure,
    publish,
    upload_order,
)

README = "A library.\n\nIt does things.\n"


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    requires: Sequence[str] = (),
    description: str = README,
) -> Path:
    stem = f"{name.replace('-', '_')}-{version}"
    metadata = "".join(
        [
            "Metadata-Version: 2.1\n",
            f"Name: {name}\n",
            f"Version: {version}\n",
            "Summary: A library.\n",
            "Description-Content-Type: text/markdown\n",
            *(f"Requires-Dist: {requirement}\n" for requirement in requires),
            f"\n{description}",
        ]
    )
    path = directory / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name.replace('-', '_')}/__init__.py", "")
        wheel.writestr(f"{stem}.dist-info/METADATA", metadata)
        wheel.writestr(
            f"{stem}.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr(f"{stem}.dist-info/RECORD", "")
    return path


def make_sdist(directory: Path, name: str, version: str) -> Path:
    path = directory / f"{name}-{version}.tar.gz"
    pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n{README}".encode()
    with tarfile.open(path, "w:gz") as sdist:
        member = tarfile.TarInfo(f"{name}-{version}/PKG-INFO")
        member.size = len(pkg_info)
        sdist.addfile(member, io.BytesIO(pkg_info))
    return path


class RecordingTwine:
    def __init__(self, check: str | None = None, refuse: str | None = None) -> None:
        self.check_result, self.refuse = check, refuse
        self.uploads: list[list[str]] = []

    @property
    def destination(self) -> str:
        return "http://index.test/"

    def check(self, files: Sequence[Path]) -> str | None:
        return self.check_result

    def upload(self, files: Sequence[Path]) -> str | None:
        if self.refuse and any(self.refuse in file.name for file in files):
            return "403 Forbidden from http://index.test/: the index refused the credentials"
        self.uploads.append(sorted(file.name for file in files))
        return None


def test_collect_groups_files_and_reads_requirements(tmp_path: Path) -> None:
    files = [
        make_wheel(
            tmp_path,
            "brickyard-jobs",
            "1.0.0",
            ["Brickyard_Models (~=0.2.0)", "pydantic>=2.8", 'pytest; extra == "test"'],
        ),
        make_sdist(tmp_path, "brickyard-jobs", "1.0.0"),
    ]
    [dist] = collect(files)
    assert (dist.name, dist.version) == ("brickyard-jobs", "1.0.0")
    assert dist.files == tuple(sorted(files))
    assert dist.requires == {"brickyard-models", "pydantic"}


def test_upload_order_puts_requirements_first(tmp_path: Path) -> None:
    dists = collect(
        [
            make_wheel(tmp_path, "brickyard-jobs", "1.0.0", ["brickyard-models~=0.2.0"]),
            make_wheel(tmp_path, "brickyard-models", "0.2.0", ["brickyard-ingest~=0.1.0"]),
            make_wheel(tmp_path, "brickyard-ingest", "0.1.0", ["numpy>=2"]),
            make_wheel(tmp_path, "brickyard-features", "0.1.0"),
        ]
    )
    assert [d.name for d in upload_order(dists)] == [
        "brickyard-features",
        "brickyard-ingest",
        "brickyard-models",
        "brickyard-jobs",
    ]
    cycle = collect(
        [
            make_wheel(tmp_path / "..", "a-lib", "1.0.0", ["b-lib"]),
            make_wheel(tmp_path / "..", "b-lib", "1.0.0", ["a-lib"]),
        ]
    )
    with pytest.raises(PublishError, match="cycle"):
        upload_order(cycle)


def test_two_versions_of_one_project_are_refused(tmp_path: Path) -> None:
    files = [make_wheel(tmp_path, "x-lib", "1.0.0"), make_wheel(tmp_path, "x-lib", "1.0.1")]
    with pytest.raises(PublishError, match="more than one version of x-lib"):
        collect(files)


def test_a_failed_check_uploads_nothing(tmp_path: Path) -> None:
    files = [make_wheel(tmp_path, "x-lib", "1.0.0")]
    twine = RecordingTwine(check="Checking x_lib-1.0.0-py3-none-any.whl: FAILED")
    with pytest.raises(PublishError, match="so nothing was uploaded:\nChecking x_lib"):
        publish(files, twine)
    assert twine.uploads == []


def test_a_refused_upload_stops_and_says_what_was_uploaded(tmp_path: Path) -> None:
    files = [
        make_wheel(tmp_path, "a-lib", "1.0.0"),
        make_wheel(tmp_path, "b-lib", "1.0.0", ["a-lib"]),
        make_wheel(tmp_path, "c-lib", "1.0.0", ["b-lib"]),
    ]
    twine = RecordingTwine(refuse="b_lib")
    with pytest.raises(PublishError) as raised:
        publish(files, twine)
    assert str(raised.value).endswith("Uploaded before it: a-lib. Not uploaded: b-lib, c-lib.")
    assert twine.uploads == [["a_lib-1.0.0-py3-none-any.whl"]]


def test_real_twine_check_passes_good_and_fails_broken_metadata(tmp_path: Path) -> None:
    good = make_wheel(tmp_path, "good-lib", "1.0.0")
    # An empty long description fails `twine check --strict`.
    broken = make_wheel(tmp_path, "broken-lib", "1.0.0", description="")
    twine = Twine(repository_url="http://127.0.0.1:9/")
    assert twine.check([good]) is None
    problems = twine.check([good, broken])
    assert problems is not None
    assert "broken_lib-1.0.0-py3-none-any.whl: FAILED" in problems
    assert "good_lib" not in problems


def test_upload_failures_are_explained() -> None:
    forbidden = "ERROR    HTTPError: 403 Forbidden from http://127.0.0.1:8080/\n  Forbidden"
    assert explain_upload_failure(forbidden).startswith(
        "403 Forbidden from http://127.0.0.1:8080/: the index refused the credentials; set "
        "TWINE_USERNAME and TWINE_PASSWORD"
    )
    exists = "ERROR    HTTPError: 400 Bad Request from http://127.0.0.1:8080/"
    assert "published versions are immutable" in explain_upload_failure(exists)
    unreachable = "Traceback (most recent call last):\n  ...\nConnectionError: Max retries\n"
    assert explain_upload_failure(unreachable) == "ConnectionError: Max retries"
