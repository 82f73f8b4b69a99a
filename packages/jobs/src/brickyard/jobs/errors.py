"""Job failures and the exit codes schedulers see (`brickyard.core.ExitCode`, BSD sysexits).

A bad command line exits 64 from argparse, before any job starts. Every other failure ends
the job with one log line and one of these codes (packages/jobs/README.md has the table a
scheduler follows):

    BrickyardError (brickyard.core)      any error a user can cause; a job exits with its
    │                                    exit_code
    ├── ReadError                        66: an input is missing or unreadable (the source,
    │                                    the current model); 74 if the device failed
    ├── WriteError                       73: an output cannot be created here (read-only,
    │                                    no permission, parent missing); 74: disk full, I/O
    └── JobError                         a job failed in a way the user can act on
        ├── ConfigError                  78: bad configuration (settings, contract, feature
        │                                set)
        ├── DataError                    65: the input data was unusable (no valid rows, a
        │                                model that cannot be used or trusted)
        ├── AlreadyRunningError          75: the same job and day is already running
        └── NotYetAvailableError         75: the day's data has not arrived yet

The steps turn each library's own errors into these (a contract's ContractError into a
ConfigError, an IngestError or ModelError into a DataError); anything else is a bug: exit
1 with the traceback.
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
