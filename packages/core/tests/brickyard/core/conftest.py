"""Real filesystem faults: a tiny tmpfs that fills up, and one mounted read-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from filesystem_faults import tmpfs


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB filesystem: writing more than that fails with ENOSPC."""
    with tmpfs(tmp_path / "small", size="64k") as mounted:
        yield mounted


@pytest.fixture
def read_only_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A filesystem mounted read-only: creating anything fails with EROFS."""
    with tmpfs(tmp_path / "read-only", read_only=True) as mounted:
        yield mounted
