"""Real filesystem faults for tests of any layer: a tmpfs that fills up, and read-only mounts.

A tmpfs is a real filesystem, so a write to a full one fails with ENOSPC and a write to a
read-only one with EROFS, exactly as on a production disk. Mounting needs root, which CI
has; elsewhere a test that needs a mount is skipped and says why.

    with tmpfs(directory, size="64k") as mounted:   a small filesystem at `directory`
        fill(mounted)                               no space left on it
        remount_read_only(mounted)                  every write now fails with EROFS
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["FILLER", "fill", "remount_read_only", "tmpfs"]

# The file `fill` writes; tests leave it out when they compare directories.
FILLER = ".filler"


@contextmanager
def tmpfs(directory: Path, *, size: str = "64k", read_only: bool = False) -> Iterator[Path]:
    """Mount a tmpfs of `size` at `directory` (created if missing) for the block."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    directory.mkdir(parents=True, exist_ok=True)
    options = f"ro,size={size}" if read_only else f"size={size}"
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], check=True)
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=True)


def fill(directory: Path) -> None:
    """Use up every free byte of the filesystem holding `directory`."""
    with (directory / FILLER).open("ab", buffering=0) as filler:
        block = b"\0" * 4096
        try:
            while True:
                filler.write(block)
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
        # A partial last block may still fit.
        try:
            while True:
                filler.write(b"\0")
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise


def remount_read_only(directory: Path) -> None:
    """Make the tmpfs mounted at `directory` read-only, keeping what it holds."""
    subprocess.run(["mount", "-o", "remount,ro", str(directory)], check=True)
