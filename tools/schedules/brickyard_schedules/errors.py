"""What can go wrong, as exceptions whose message says what, where and what to do."""

from __future__ import annotations


class ScheduleError(Exception):
    """Base class: every error this tool reports to a user."""


class ManifestError(ScheduleError):
    """The manifest (shared-config/schedules.toml) is unreadable or invalid."""


class CronConversionError(ScheduleError):
    """A cron expression uses a form that cannot be expressed as a systemd OnCalendar."""


class ValidatorError(ScheduleError):
    """A generated file failed the check of the tool that consumes it, or that tool is missing."""
