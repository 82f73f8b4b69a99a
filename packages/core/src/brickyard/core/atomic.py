"""Writing files and directories so that a reader sees the old content or the new, never half.

Every write goes to a temporary file beside its target (the same directory, so the final
rename never crosses filesystems), is fsynced, gets mode 0644 unless asked otherwise, and
is then renamed over the target; the directory is fsynced too, so the rename survives a
power cut. On any failure every temporary file is removed, every target is left as it
was, and an operating-system error is raised as `WriteError`, which names the path.

    write_file(path, "text")                       one file (str is written as UTF-8)
    write_file(path, lambda tmp: pq.write_table(table, tmp))   anything that writes a path
    with atomic_files() as stage:                  several files: all of them, or none
        stage(report_path, html)
        stage(summary_path, json_text)
    write_directory(path, {"metadata.json": ..., "model.skops": ...})   a directory whole
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from brickyard.core.errors import WriteError

__all__ = ["DEFAULT_MODE", "Content", "Stage", "atomic_files", "write_directory", "write_file"]

DEFAULT_MODE = 0o644
# Text, bytes, or a function that writes the file at the path it is given.
Content = str | bytes | Callable[[Path], object]


class Stage(Protocol):
    def __call__(self, path: str | os.PathLike[str], content: Content, *, mode: int = ...) -> Path:
        """Write `content` to a temporary file that replaces `path` when the block ends."""


def write_file(path: str | os.PathLike[str], content: Content, *, mode: int = DEFAULT_MODE) -> Path:
    """Replace `path` atomically with `content`; parent directories are created. Returns `path`."""
    with atomic_files() as stage:
        return stage(path, content, mode=mode)


@contextmanager
def atomic_files() -> Iterator[Stage]:
    """Stage files with the yielded `stage(path, content)`; all replace their targets when the
    block ends without an exception, and none does otherwise."""
    staged: list[tuple[Path, Path]] = []

    def stage(path: str | os.PathLike[str], content: Content, *, mode: int = DEFAULT_MODE) -> Path:
        target = Path(path)
        with _naming(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            descriptor, name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
        temporary = Path(name)
        staged.append((temporary, target))
        with _naming(target):
            _fill(descriptor, temporary, content, mode)
        return target

    try:
        yield stage
        for temporary, target in staged:
            with _naming(target):
                os.replace(temporary, target)
        for directory in dict.fromkeys(target.parent for _, target in staged):
            with _naming(directory):
                _fsync_directory(directory)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


def write_directory(
    path: str | os.PathLike[str], files: Mapping[str, Content], *, mode: int = DEFAULT_MODE
) -> Path:
    """Replace the directory `path` as a whole with `files` (relative name -> content).

    The new directory is built beside it and renamed into place; an existing one is moved
    aside first and deleted after, so a reader sees the old files or the new, never a mix.
    """
    target = Path(path)
    with _naming(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        building = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        )
    retired: Path | None = None
    try:
        with _naming(target):
            building.chmod(0o755)
            for relative, content in files.items():
                file = building / relative
                file.parent.mkdir(parents=True, exist_ok=True)
                _fill(os.open(file, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600), file, content, mode)
            _fsync_directory(building)
            if target.exists():
                retired = Path(
                    tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)
                )
                os.replace(target, retired)
            try:
                os.replace(building, target)
            except OSError:
                if retired is not None:
                    os.replace(retired, target)
                    retired = None
                raise
            _fsync_directory(target.parent)
    finally:
        shutil.rmtree(building, ignore_errors=True)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    return target


def _fill(descriptor: int, path: Path, content: Content, mode: int) -> None:
    """Write `content` into the new file open at `descriptor`, fsync it and set its mode."""
    try:
        if callable(content):
            content(path)
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        # A writer given the path may have replaced the file: sync what is there now.
        with path.open("rb+") as handle:
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), mode)
    finally:
        os.close(descriptor)


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Raise an operating-system error as a WriteError naming `path`."""
    try:
        yield
    except WriteError:
        raise
    except OSError as error:
        raise WriteError(path, error) from error


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk too.
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
