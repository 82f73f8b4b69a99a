"""One run at a time per job and as-of date.

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
    path = lock_dir / f"{job}-{as_of}.lock"
    try:
        lock_dir.mkdir(parents=True, exist_ok=True)
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
                        f"job {job!r} for as-of {as_of} is already running (pid {holder}, "
                        f"lock {path}); not starting a second run. Retry after it finishes."
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield path
    finally:
        os.close(fd)
