"""One run at a time per job and as-of date, and one ingest at a time per dataset.

An OS-level advisory lock (`flock`) rather than a marker file: the kernel releases it
when the process dies, even under `kill -9`, so a crashed run never blocks the next.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from brickyard.core import WriteError
from brickyard.jobs.errors import AlreadyRunningError


@contextmanager
def single_instance(
    lock_dir: Path, job: str, as_of: str, timeout_seconds: float = 0
) -> Iterator[Path]:
    """Hold the lock of `job` for `as_of`, waiting up to `timeout_seconds` for it."""
    with exclusive(
        lock_dir / f"{job}-{as_of}.lock", f"job {job!r} for as-of {as_of}", timeout_seconds
    ) as path:
        yield path


@contextmanager
def exclusive(path: Path, what: str, timeout_seconds: float = 0) -> Iterator[Path]:
    """Hold the lock file `path` for `what` (the work it guards, named in the refusal),
    waiting up to `timeout_seconds` for another process to release it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        # The output directory is not writable: say so, as any other output would.
        raise WriteError(path, error) from error
    try:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
                    raise AlreadyRunningError(
                        f"{what} is already running (pid {holder}, lock {path}); not starting "
                        "a second run. Retry after it finishes."
                    ) from None
                time.sleep(0.2)
            except OSError as error:
                # No locks on this filesystem (ENOLCK on some network mounts).
                raise WriteError(path, error) from error
        try:
            # The holder's pid, for the refusal of a second run; a full disk fails here.
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        except OSError as error:
            raise WriteError(path, error) from error
        yield path
    finally:
        os.close(fd)
