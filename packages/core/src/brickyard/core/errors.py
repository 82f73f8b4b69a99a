"""The base of every Brickyard error, and the exit codes a scheduler reads.

    BrickyardError                       every error a user of a Brickyard library can cause
    ├── ReadError                        an input could not be read (missing, no permission,
    │                                    a device error): exit 66, or 74 for a device error
    ├── WriteError                       an output could not be written (core.atomic):
    │                                    exit 73 (cannot create it here) or 74 (disk full, I/O)
    ├── CommandError                     a library's command cannot do what it was asked;
    │                                    carries the exit code it ends with
    ├── IngestError, FeaturesError,      each library's own base, raised by that library
    │   ModelError, ReportError
    └── JobError                         a job failed; carries the exit code it returns

Exit codes follow BSD sysexits(3), which cron wrappers, systemd units, Kubernetes and
Airflow already tell apart: 75 is worth an automatic retry, 66/73/74 need an operator, 65
needs the data owner, 78 the configuration's owner.

`ReadError` and `WriteError` are the environment's faults, the same for every library: each
names the path, says what the operating system said and what to do, and keeps the
operating system's error as `cause`. `reading(path)` turns any operating-system error in its
block into a `ReadError` naming `path`.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path

__all__ = ["BrickyardError", "CommandError", "ExitCode", "ReadError", "WriteError", "reading"]


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # a bug or an unexpected error: look at the log, do not retry blindly
    USAGE = 64  # bad command line
    DATA = 65  # the input data was unusable (e.g. it failed its contract as a whole)
    NO_INPUT = 66  # an input file is missing or unreadable
    CANT_CREATE = 73  # an output cannot be created: read-only filesystem, no permission
    IO_ERROR = 74  # an input/output error, such as a full disk
    TEMPORARY = 75  # try again later: another run holds the lock, a resource was busy
    CONFIG = 78  # bad configuration


class BrickyardError(Exception):
    """Base class of every error a Brickyard library raises for a problem a user can fix.

    `exit_code` is what a command line returns when this error ends it.
    """

    exit_code: ExitCode = ExitCode.FAILURE


# What to do about an operating-system error, by errno; the path is named before it.
_WRITE_ADVICE = {
    errno.ENOSPC: "free space there (or point the output elsewhere) and run again",
    errno.EDQUOT: "free space in the quota (or point the output elsewhere) and run again",
    errno.EROFS: "the filesystem is mounted read-only: remount it read-write (or point the "
    "output elsewhere) and run again",
    errno.EACCES: "give the job's user write permission there (or point the output elsewhere)",
    errno.EPERM: "give the job's user write permission there (or point the output elsewhere)",
    errno.ENOENT: "a directory on the way is missing and cannot be created: create it (or "
    "point the output elsewhere)",
    errno.ENOTDIR: "a part of the path is a file, not a directory: fix the path (or point the "
    "output elsewhere)",
    errno.EISDIR: "a directory is in the way: move it (or point the output elsewhere)",
    errno.EEXIST: "something else is in the way: move it (or point the output elsewhere)",
    errno.ENAMETOOLONG: "the name is too long for the filesystem: use a shorter path",
}
_READ_ADVICE = {
    errno.ENOENT: "check the path, and that the file has been delivered",
    errno.ENOTDIR: "a part of the path is a file, not a directory: check the path",
    errno.EISDIR: "it is a directory: point to a file",
    errno.EACCES: "give the job's user read permission on it",
    errno.EPERM: "give the job's user read permission on it",
    errno.ELOOP: "the path loops through symbolic links: check the path",
    errno.ENAMETOOLONG: "the name is too long for the filesystem: check the path",
}
_DEVICE_ADVICE = "check the device and run again"
# Write errors that mean "this output cannot be created here" rather than "writing it broke".
_CANNOT_CREATE = {
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.ENOENT,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EEXIST,
    errno.ENAMETOOLONG,
}


def _reason(cause: OSError) -> str:
    return cause.strerror or str(cause)


class WriteError(BrickyardError):
    """An output file or directory could not be written; the previous one is intact.

    `path` is the output that was being written and `cause` the operating system's error;
    `advice` replaces the usual "what to do" where the caller knows better.
    """

    def __init__(self, path: Path, cause: OSError, *, advice: str | None = None) -> None:
        self.path = path
        self.cause = cause
        advice = advice or _WRITE_ADVICE.get(cause.errno or 0, _DEVICE_ADVICE)
        super().__init__(f"cannot write {path}: {_reason(cause)}; {advice}")

    @property
    def exit_code(self) -> ExitCode:  # type: ignore[override]
        if self.cause.errno in _CANNOT_CREATE:
            return ExitCode.CANT_CREATE
        return ExitCode.IO_ERROR


class ReadError(BrickyardError):
    """An input file or directory is missing or could not be read; nothing was changed.

    Exit 66 (EX_NOINPUT) when it is missing or not readable, 74 (EX_IOERR) when the device
    failed while reading it. `advice` replaces the usual "what to do" where the caller
    knows better (say, "run the train job first" for a missing model).
    """

    def __init__(self, path: Path, cause: OSError, *, advice: str | None = None) -> None:
        self.path = path
        self.cause = cause
        advice = advice or _READ_ADVICE.get(cause.errno or 0, _DEVICE_ADVICE)
        super().__init__(f"cannot read {path}: {_reason(cause)}; {advice}")

    @property
    def exit_code(self) -> ExitCode:  # type: ignore[override]
        if self.cause.errno in _READ_ADVICE:
            return ExitCode.NO_INPUT
        return ExitCode.IO_ERROR


@contextmanager
def reading(path: str | os.PathLike[str]) -> Iterator[None]:
    """Raise any operating-system error of the block as a ReadError naming `path`."""
    try:
        yield
    except OSError as error:
        raise ReadError(Path(path), error) from error


class CommandError(BrickyardError):
    """A command cannot do what it was asked, for a reason its user can fix: an input is
    missing, a definition invalid, rows failed their contract. The command that raises it
    says what each failure means for its user by the `exit_code` it gives."""

    def __init__(self, message: str, exit_code: ExitCode) -> None:
        super().__init__(message)
        self.exit_code = exit_code
