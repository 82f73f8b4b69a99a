from __future__ import annotations

import stat
from pathlib import Path

import pytest

from brickyard.core import ExitCode, WriteError, atomic_files, write_directory, write_file


def _names(directory: Path) -> set[str]:
    return {path.name for path in directory.iterdir()}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_file_is_written_with_mode_0644_and_no_temporary_file_left(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    assert write_file(target, "<p>ok</p>") == target
    assert target.read_text() == "<p>ok</p>"
    assert _mode(target) == 0o644
    assert _names(target.parent) == {"report.html"}


def test_bytes_and_writer_functions_are_content_too(tmp_path: Path) -> None:
    write_file(tmp_path / "a.bin", b"\x00\x01", mode=0o600)
    write_file(tmp_path / "b.txt", lambda path: path.write_text("from a writer"))
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert _mode(tmp_path / "a.bin") == 0o600
    assert (tmp_path / "b.txt").read_text() == "from a writer"


def test_a_failing_writer_leaves_the_previous_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    write_file(target, "old")

    def broken(path: Path) -> None:
        path.write_text("half")
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError, match="renderer crashed"):
        write_file(target, broken)
    assert target.read_text() == "old"
    assert _names(tmp_path) == {"summary.json"}


def test_staged_files_replace_their_targets_all_or_none(tmp_path: Path) -> None:
    html, summary = tmp_path / "report.html", tmp_path / "summary.json"
    with atomic_files() as stage:
        stage(html, "v1")
        stage(summary, "v1")
    with pytest.raises(ValueError, match="after staging"), atomic_files() as stage:
        stage(html, "v2")
        raise ValueError("after staging one of two")
    assert html.read_text() == summary.read_text() == "v1"
    assert _names(tmp_path) == {"report.html", "summary.json"}


def test_a_parent_that_is_a_file_is_a_write_error_naming_the_path(tmp_path: Path) -> None:
    (tmp_path / "runs").write_text("not a directory")
    with pytest.raises(WriteError) as raised:
        write_file(tmp_path / "runs" / "report.html", "x")
    assert str(tmp_path / "runs" / "report.html") in str(raised.value)
    assert raised.value.exit_code == ExitCode.CANT_CREATE


def test_a_full_disk_is_an_io_error_that_keeps_the_previous_file(small_filesystem: Path) -> None:
    target = small_filesystem / "forecast.csv"
    write_file(target, "previous\n")
    with pytest.raises(WriteError) as raised:
        write_file(target, b"x" * 200_000)
    assert raised.value.exit_code == ExitCode.IO_ERROR
    assert f"cannot write {target}: No space left on device; free space" in str(raised.value)
    assert target.read_text() == "previous\n"
    assert _names(small_filesystem) == {"forecast.csv"}


def test_a_read_only_filesystem_is_cannot_create(read_only_filesystem: Path) -> None:
    with pytest.raises(WriteError) as raised:
        write_file(read_only_filesystem / "models" / "metadata.json", "{}")
    assert raised.value.exit_code == ExitCode.CANT_CREATE
    assert "Read-only file system; the filesystem is mounted read-only" in str(raised.value)


def test_a_directory_is_replaced_whole(tmp_path: Path) -> None:
    model = tmp_path / "models" / "2015-09-30"
    write_directory(model, {"metadata.json": "{}", "weights/a.bin": b"1", "old.txt": "x"})
    write_directory(model, {"metadata.json": '{"v": 2}', "weights/a.bin": b"2"})
    assert sorted(str(p.relative_to(model)) for p in model.rglob("*")) == [
        "metadata.json",
        "weights",
        "weights/a.bin",
    ]
    assert (model / "metadata.json").read_text() == '{"v": 2}'
    assert _mode(model / "weights" / "a.bin") == 0o644
    assert _names(model.parent) == {"2015-09-30"}


def test_a_failed_directory_write_keeps_the_previous_directory(small_filesystem: Path) -> None:
    model = small_filesystem / "model"
    write_directory(model, {"metadata.json": "v1"})
    with pytest.raises(WriteError) as raised:
        write_directory(model, {"metadata.json": "v2", "big.bin": b"x" * 200_000})
    assert raised.value.exit_code == ExitCode.IO_ERROR
    assert (model / "metadata.json").read_text() == "v1"
    assert _names(small_filesystem) == {"model"}
