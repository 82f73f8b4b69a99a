"""Job failures and the exit codes schedulers see (`brickyard.core.ExitCode`, BSD sysexits).

A bad command line exits 64 from argparse, before any job starts.

    BrickyardError (brickyard.core)      any error a user can cause; a job exits with its
    │                                    exit_code (a WriteError: 73 or 74)
    └── JobError                         a job failed in a way the user can act on
        ├── ConfigError                  78: bad configuration
        ├── DataError                    65: the input data was unusable
        ├── AlreadyRunningError          75: the same job and day is already running
        └── NotYetAvailableError         75: the day's data has not arrived yet
"""

from __future__ import annotations

from brickyard.core import BrickyardError, ExitCode

__all__ = [
    "AlreadyRunningError",
    "ConfigError",
    "DataError",
    "JobError",
    "NotYetAvailableError",
]


class JobError(BrickyardError):
    """A job failed in a way the user can act on; carries the exit code to return."""


class ConfigError(JobError):
    exit_code = ExitCode.CONFIG


class DataError(JobError):
    exit_code = ExitCode.DATA


class AlreadyRunningError(JobError):
    exit_code = ExitCode.TEMPORARY


class NotYetAvailableError(JobError):
    """The data for the requested day has not arrived; a later retry may succeed."""

    exit_code = ExitCode.TEMPORARY
