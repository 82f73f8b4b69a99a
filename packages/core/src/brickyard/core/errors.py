"""The base of every Brickyard error, and the exit codes a scheduler reads.

    BrickyardError                       every error a user of a Brickyard library can cause
    ├── WriteError                       an output could not be written (core.atomic)
    ├── CommandError                     a library's command cannot do what it was asked;
    │                                    carries the exit code it ends with
    ├── IngestError, FeaturesError,      each library's own base, raised by that library
    │   ModelError, ReportError
    └── JobError                         a job failed; carries the exit code it returns

Exit codes follow BSD sysexits(3), which cron wrappers, systemd units, Kubernetes and
Airflow already tell apart: 75 is worth an automatic retry, 73/74 need an operator, 65
needs the data owner, 78 the configuration's owner.
"""

from __future__ import annotations

import errno
from enum import IntEnum
from pathlib import Path

__all__ = ["BrickyardError", "CommandError", "ExitCode", "WriteError"]


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # a bug or an unexpected error: look at the log, do not retry blindly
    USAGE = 64  # bad command line
    DATA = 65  # the input data was unusable (e.g. it failed its contract as a whole)
    NO_INPUT = 66  # an input file is missing or unreadable
    CANT_CREATE = 73  # an output cannot be created: read-only filesystem, no permission
    IO_ERROR = 74  # an input/output error while writing, such as a full disk
    TEMPORARY = 75  # try again later: another run holds the lock, a resource was busy
    CONFIG = 78  # bad configuration


class BrickyardError(Exception):
    """Base class of every error a Brickyard library raises for a problem a user can fix.

    `exit_code` is what a command line returns when this error ends it.
    """

    exit_code: ExitCode = ExitCode.FAILURE


# Errors that mean "this output cannot be created here" rather than "writing it broke".
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


class WriteError(BrickyardError):
    """An output file or directory could not be written; the previous one is intact.

    `path` is the output that was being written and `cause` the operating system's error.
    """

    def __init__(self, path: Path, cause: OSError) -> None:
        self.path = path
        self.cause = cause
        reason = cause.strerror or str(cause)
        if cause.errno in (errno.ENOSPC, errno.EDQUOT):
            advice = "free space there (or point the output elsewhere) and run again"
        elif cause.errno in _CANNOT_CREATE:
            advice = "make the directory writable (or point the output elsewhere) and run again"
        else:
            advice = "check the device and run again"
        super().__init__(f"cannot write {path}: {reason}; {advice}")

    @property
    def exit_code(self) -> ExitCode:  # type: ignore[override]
        if self.cause.errno in _CANNOT_CREATE:
            return ExitCode.CANT_CREATE
        return ExitCode.IO_ERROR


class CommandError(BrickyardError):
    """A command cannot do what it was asked, for a reason its user can fix: an input is
    missing, a definition invalid, rows failed their contract. The command that raises it
    says what each failure means for its user by the `exit_code` it gives."""

    def __init__(self, message: str, exit_code: ExitCode) -> None:
        super().__init__(message)
        self.exit_code = exit_code
