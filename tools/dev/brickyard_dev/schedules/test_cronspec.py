from __future__ import annotations

import pytest

from brickyard_dev.errors import DevError
from brickyard_dev.schedules.cronspec import parse_cron, to_on_calendar


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 6 * * *", "*-*-* 06:00:00 Europe/Amsterdam"),
        ("0 5 * * 1", "Mon *-*-* 05:00:00 Europe/Amsterdam"),
        ("30 8,18 1-15 1,3-5 *", "*-01,03..05-01..15 08,18:30:00 Europe/Amsterdam"),
        ("0 0 * * 0,6", "Sat,Sun *-*-* 00:00:00 Europe/Amsterdam"),
        ("0 0 * * 1-5", "Mon..Fri *-*-* 00:00:00 Europe/Amsterdam"),
        # cron's 7 is Sunday too; systemd's weeks start on Monday, so 5-7 stays one range.
        ("0 0 * * 5-7", "Fri..Sun *-*-* 00:00:00 Europe/Amsterdam"),
        ("0 0 * * 0-2", "Mon,Tue,Sun *-*-* 00:00:00 Europe/Amsterdam"),
        ("0 0 * * 0-6", "*-*-* 00:00:00 Europe/Amsterdam"),
        ("0,1 0-2 * * *", "*-*-* 00..02:00,01:00 Europe/Amsterdam"),
    ],
)
def test_to_on_calendar(expression: str, expected: str) -> None:
    assert to_on_calendar(expression, "Europe/Amsterdam") == expected


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("*/15 * * * *", "minute field '*/15'"),
        ("0 6 * * MON", "day-of-week field 'MON'"),
        ("0 6 L * *", "day-of-month field 'L'"),
        ("@daily", "has 1 fields"),
        ("0 6 * * * *", "has 6 fields"),
        ("5-2 * * * *", "descending range"),
        ("0 24 * * *", "outside 0-23"),
        ("0 6 1 * 1", "restricts both day-of-month and day-of-week"),
    ],
)
def test_unsupported_forms_are_refused_with_the_reason(expression: str, reason: str) -> None:
    with pytest.raises(DevError) as caught:
        parse_cron(expression)
    assert repr(expression) in str(caught.value)
    assert reason in str(caught.value)
