"""Real filesystem faults: a tiny tmpfs that fills up, and one mounted read-only."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mounted(directory: Path, options: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    directory.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], check=True)
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=True)


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB filesystem: writing more than that fails with ENOSPC."""
    yield from _mounted(tmp_path / "small", "size=64k")


@pytest.fixture
def read_only_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A filesystem mounted read-only: creating anything fails with EROFS."""
    yield from _mounted(tmp_path / "read-only", "ro,size=64k")
