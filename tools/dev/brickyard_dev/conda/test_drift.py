"""The drift check on the committed files, and on a Pants lockfile changed behind its back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from brickyard_dev.cli import main
from brickyard_dev.conda import LOCKFILE, PANTS_LOCK, RECORDS, SPEC
from brickyard_dev.conda.pants_lock import read_pants_lock
from brickyard_dev.conda.records import read_records
from brickyard_dev.conda.spec import build_spec


def test_committed_lock_and_spec_match_the_pants_lockfile(
    repo_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(repo_root), "conda", "check"]) == 0, capsys.readouterr().out


def _bump(pants_lock: Path, project: str, old: str, new: str) -> None:
    text = pants_lock.read_text()
    entry = f'"project_name": "{project}",'
    start = text.index(entry)
    version_at = text.index(f'"version": "{old}"', start)
    pants_lock.write_text(
        text[:version_at] + f'"version": "{new}"' + text[version_at + len(old) + 13 :]
    )


def test_a_version_changed_in_the_pants_lockfile_is_named_with_both_versions(
    scratch_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _bump(scratch_root / PANTS_LOCK, "joblib", "1.6.0", "1.5.9")

    assert main(["--root", str(scratch_root), "conda", "check"]) == 1
    out = capsys.readouterr().out
    assert f"joblib: {SPEC} pins 1.6.0, {PANTS_LOCK} has 1.5.9" in out
    for platform in ("linux-64", "osx-arm64"):
        assert f"joblib ({platform}): {LOCKFILE} has 1.6.0, {PANTS_LOCK} has 1.5.9" in out
    assert "numpy" not in out


def test_a_spec_edited_by_hand_no_longer_matches_the_lock_hash(
    scratch_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = scratch_root / SPEC
    spec.write_text(spec.read_text().replace("  - pip\n", "  - pip\n  - nodejs\n", 1))

    assert main(["--root", str(scratch_root), "conda", "check"]) == 1
    out = capsys.readouterr().out
    assert re.search(
        r"linux-64: conda-lock.yml was locked from another spec \(content hash \w+", out
    )


def test_a_pip_hash_that_is_not_a_pants_artifact_is_named(
    scratch_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = scratch_root / LOCKFILE
    text = lock.read_text()
    wheel_hash = re.search(r"name: joblib\n(?:.*\n)*?    sha256: (\w+)", text)
    assert wheel_hash is not None
    lock.write_text(text.replace(wheel_hash.group(1), "ab" * 32))

    assert main(["--root", str(scratch_root), "conda", "check"]) == 1
    assert (
        "is not an artifact of joblib 1.6.0 in lockfiles/python-default.lock"
        in capsys.readouterr().out
    )


def test_the_clis_own_tool_requirements_stay_out_of_the_environment(repo_root: Path) -> None:
    spec = build_spec(
        read_pants_lock(repo_root / PANTS_LOCK), read_records(repo_root / RECORDS), PANTS_LOCK
    )
    pinned = set(re.findall(r"^      - ([a-z0-9._-]+)==", spec.text, re.MULTILINE))
    assert {"jupyterlab", "ipykernel", "pyyaml", "pydantic"} <= pinned
    assert not {"conda-lock", "py-rattler", "kubernetes"} & pinned
    # Nor what only they need: the Kubernetes client's own dependency.
    assert "durationpy" not in pinned
    assert "durationpy" in read_pants_lock(repo_root / PANTS_LOCK).projects


def _python_entry(lock_text: str, platform: str) -> re.Match[str]:
    entry = re.search(
        rf"- name: python\n  version: \S+\n  manager: conda\n  platform: {platform}\n"
        r"(?:.*\n)*?  url: (?P<url>\S+)\n  hash:\n    md5: (?P<md5>\w+)\n",
        lock_text,
    )
    assert entry is not None
    return entry


def test_a_conda_entry_with_an_invented_md5_is_named_against_its_record(
    scratch_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = scratch_root / LOCKFILE
    text = lock.read_text()
    recorded_md5 = _python_entry(text, "linux-64")["md5"]
    invented = "0123456789abcdef" * 2
    lock.write_text(text.replace(recorded_md5, invented, 1))

    assert main(["--root", str(scratch_root), "conda", "check"]) == 1
    out = capsys.readouterr().out
    assert (
        f"python (linux-64): {LOCKFILE} has md5 {invented}, "
        f"the conda-forge record in {RECORDS} has {recorded_md5}"
    ) in out
    assert "python (osx-arm64)" not in out


def test_a_conda_entry_with_an_invented_build_string_is_named_against_its_record(
    scratch_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = scratch_root / LOCKFILE
    text = lock.read_text()
    url = _python_entry(text, "osx-arm64")["url"]
    build = url.rsplit("/", 1)[-1].removeprefix("python-3.11.9-").removesuffix(".conda")
    lock.write_text(text.replace(url, url.replace(build, "h0invented_0_cpython"), 1))

    assert main(["--root", str(scratch_root), "conda", "check"]) == 1
    out = capsys.readouterr().out
    assert (
        f"python (osx-arm64): {LOCKFILE} has build h0invented_0_cpython, "
        f"the conda-forge record in {RECORDS} has {build}"
    ) in out
