"""The subset of cron the manifest may use, and its systemd OnCalendar equivalent.

Only what every backend reads the same way is accepted: five fields, each `*` or a
comma-separated list of numbers and ascending `a-b` ranges. Steps, names (`MON`, `JAN`),
`@daily`-style macros and croniter extensions (`L`, `W`, `#`, `?`) are refused, as is a
schedule that restricts both day-of-month and day-of-week: cron runs when EITHER matches,
systemd only when BOTH do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from brickyard_dev.errors import DevError

_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 0, 7),
)
_ITEM = re.compile(r"(\d+)(?:-(\d+))?")
# systemd's week starts on Monday; cron's 0 and 7 are both Sunday.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class CronSchedule:
    """A parsed schedule; a field is None when it is `*` (every value)."""

    minute: frozenset[int] | None
    hour: frozenset[int] | None
    day_of_month: frozenset[int] | None
    month: frozenset[int] | None
    day_of_week: frozenset[int] | None  # 0 = Sunday ... 6 = Saturday


def parse_cron(expression: str) -> CronSchedule:
    """Parse a five-field cron expression of the supported subset, or raise DevError."""
    fields = expression.split()
    if len(fields) != len(_FIELDS):
        raise DevError(
            f"cron expression {expression!r} has {len(fields)} fields; "
            "expected 5 (minute hour day-of-month month day-of-week)"
        )
    values = [
        _parse_field(text, name, low, high, expression)
        for text, (name, low, high) in zip(fields, _FIELDS, strict=True)
    ]
    day_of_week = values[4]
    if day_of_week is not None:
        day_of_week = frozenset(day % 7 for day in day_of_week)
    if values[2] is not None and day_of_week is not None:
        raise DevError(
            f"cron expression {expression!r} restricts both day-of-month and day-of-week: "
            "cron runs when either matches but systemd only when both do; "
            "use two jobs, one for each"
        )
    return CronSchedule(values[0], values[1], values[2], values[3], day_of_week)


def to_on_calendar(expression: str, timezone: str) -> str:
    """The systemd OnCalendar= value that fires when `expression` does, in `timezone`."""
    schedule = parse_cron(expression)
    date = f"*-{_numbers(schedule.month)}-{_numbers(schedule.day_of_month)}"
    time = f"{_numbers(schedule.hour)}:{_numbers(schedule.minute)}:00"
    weekdays = _weekdays(schedule.day_of_week)
    prefix = f"{weekdays} " if weekdays else ""
    return f"{prefix}{date} {time} {timezone}"


def _parse_field(
    text: str, name: str, low: int, high: int, expression: str
) -> frozenset[int] | None:
    if text == "*":
        return None
    values: set[int] = set()
    for item in text.split(","):
        match = _ITEM.fullmatch(item)
        if match is None:
            raise DevError(
                f"cron expression {expression!r}: {name} field {text!r} uses a form that cannot "
                "be converted to systemd OnCalendar; use only *, numbers, lists (1,3) "
                "and ranges (1-5)"
            )
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) is not None else start
        if not low <= start <= end <= high:
            raise DevError(
                f"cron expression {expression!r}: {name} item {item!r} is outside {low}-{high} "
                "or is a descending range"
            )
        values.update(range(start, end + 1))
    return frozenset(values)


def _numbers(values: frozenset[int] | None) -> str:
    if values is None:
        return "*"
    return ",".join(
        f"{first:02d}" if first == last else f"{first:02d}..{last:02d}"
        for first, last in _runs(sorted(values))
    )


def _weekdays(days: frozenset[int] | None) -> str:
    if days is None or len(days) == len(_WEEKDAYS):
        return ""
    monday_first = sorted((day - 1) % 7 for day in days)
    return ",".join(
        _WEEKDAYS[first] if first == last else f"{_WEEKDAYS[first]}..{_WEEKDAYS[last]}"
        for first, last in _runs(monday_first)
    )


def _runs(ordered: list[int]) -> list[tuple[int, int]]:
    """Consecutive values as (first, last); runs shorter than three stay single values."""
    runs: list[tuple[int, int]] = []
    start = previous = ordered[0]
    for value in [*ordered[1:], None]:
        if value is not None and value == previous + 1:
            previous = value
            continue
        if previous - start >= 2:
            runs.append((start, previous))
        else:
            runs.extend((item, item) for item in range(start, previous + 1))
        if value is not None:
            start = previous = value
    return runs
