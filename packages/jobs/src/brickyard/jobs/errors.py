"""Job failures and the exit codes schedulers see.

Exit codes follow BSD sysexits, which cron wrappers, systemd and Airflow operators
already understand; 75 (temporary failure) is the one worth an automatic retry.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # a bug or an unexpected error: look at the log, do not retry blindly
    USAGE = 64  # bad command line
    DATA = 65  # the input data was unusable (e.g. it failed its contract as a whole)
    TEMPORARY = 75  # try again later: another run holds the lock, a resource was busy
    CONFIG = 78  # bad configuration


class JobError(Exception):
    """A job failed in a way the user can act on; carries the exit code to return."""

    exit_code: ExitCode = ExitCode.FAILURE


class ConfigError(JobError):
    exit_code = ExitCode.CONFIG


class UsageError(JobError):
    exit_code = ExitCode.USAGE


class DataError(JobError):
    exit_code = ExitCode.DATA


class AlreadyRunningError(JobError):
    exit_code = ExitCode.TEMPORARY


class NotYetAvailableError(JobError):
    """The data for the requested day has not arrived; a later retry may succeed."""

    exit_code = ExitCode.TEMPORARY
