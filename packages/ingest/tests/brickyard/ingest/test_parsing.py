"""The text each contract type accepts, value by value, as the README promises data owners.

Values go through JSON Lines, which carries any text exactly (whitespace, line breaks).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from brickyard.ingest import Contract, read_source
from brickyard.ingest.parsing import format_shape


def _read(
    tmp_path: Path, column: dict[str, Any], texts: list[str], **contract: Any
) -> tuple[list[Any], dict[str, str]]:
    """Accepted values, and reason by text of the rejected ones, of one column `v`."""
    definition = {"name": "values", "columns": [{"name": "v", **column}], **contract}
    path = tmp_path / "values.jsonl"
    path.write_text("".join(json.dumps({"v": text}) + "\n" for text in texts), encoding="utf-8")
    result = read_source(path, Contract.from_dict(definition))
    rejected = result.rejected.to_pylist()
    return result.accepted.column("v").to_pylist(), {row["v"]: row["_reason"] for row in rejected}


@pytest.mark.parametrize(
    ("column", "accepted", "rejected"),
    [
        (
            {"type": "integer"},
            {"7": 7, "+7": 7, "007": 7, "-0": 0, "9223372036854775807": 2**63 - 1},
            {
                "1_0": "is not an integer",
                "1,000": "is not an integer",
                "1.0": "is not an integer",
                "1e3": "is not an integer",
                "0x10": "is not an integer",
                "\u0667": "is not an integer",
                "9223372036854775808": "is out of range for an integer (64-bit)",
            },
        ),
        (
            {"type": "float"},
            {"1.5": 1.5, "+.5": 0.5, "5.": 5.0, "1e5": 1e5, "-1E-3": -0.001, "1e-400": 0.0},
            {
                "1_0": "is not a float",
                "1,5": "is not a float",
                "NaN": "is not a float",
                "inf": "is not a float",
                "-Infinity": "is not a float",
                "+-1": "is not a float",
                "1.5f": "is not a float",
                "1e309": "is out of range for a float",
            },
        ),
        (
            {"type": "boolean"},
            {"true": True, "FALSE": False, "True": True, "1": True, "0": False},
            {text: "is not a boolean (true, false, 1 or 0)" for text in ("t", "yes", "on")},
        ),
        (
            {"type": "date"},
            {"2015-01-31": date(2015, 1, 31), "0001-01-01": date(1, 1, 1)},
            {
                text: "is not a date (YYYY-MM-DD)"
                for text in (
                    "2015-1-31",
                    "2015/01/31",
                    "2015-02-30",
                    "0000-01-01",
                    "2015-01-31 00:00:00",
                    "20150131",
                )
            },
        ),
        (
            {"type": "date", "format": "%Y/%m/%d"},
            {"2015/01/31": date(2015, 1, 31)},
            {
                text: "is not a date in format %Y/%m/%d"
                for text in ("2015/1/31", "15/01/31", "2015-01-31", "2015/02/29")
            },
        ),
        (
            {"type": "timestamp", "format": "%-d.%-m.%Y %H:%M"},
            {
                "1.2.2015 10:00": datetime(2015, 2, 1, 10),
                "31.12.2015 23:59": datetime(2015, 12, 31, 23, 59),
            },
            {"1.2.2015 9:00": "is not a timestamp in format %-d.%-m.%Y %H:%M"},
        ),
        (
            {"type": "timestamp"},
            {
                "2015-01-31 10:00": datetime(2015, 1, 31, 10),
                "2015-01-31T10:00:59.5": datetime(2015, 1, 31, 10, 0, 59, 500000),
                "2015-01-31T10:00Z": datetime(2015, 1, 31, 10),
                "2015-01-31 10:00+01:00": datetime(2015, 1, 31, 9),
                "2015-01-31": datetime(2015, 1, 31),
            },
            {
                text: "is not a timestamp (YYYY-MM-DD, then optionally a time"
                for text in (
                    "2015-01-31 24:00",
                    "2015-01-31 10:00:60",
                    "2015-01-31 10:00:00.1234567",
                    "2015-01-31 10:00 +01:00",
                )
            },
        ),
    ],
    ids=["integer", "float", "boolean", "date", "date format", "timestamp format", "timestamp"],
)
def test_each_type_accepts_its_grammar_and_nothing_else(
    tmp_path: Path,
    column: dict[str, Any],
    accepted: dict[str, Any],
    rejected: dict[str, str],
) -> None:
    values, reasons = _read(tmp_path, column, [*accepted, *rejected])

    assert values == list(accepted.values())
    assert sorted(reasons) == sorted(rejected)
    for text, words in rejected.items():
        assert reasons[text].startswith(f"v: '{text}' {words}"), reasons[text]


def test_whitespace_around_a_value_is_rejected_by_default_and_strings_kept(
    tmp_path: Path,
) -> None:
    numbers, reasons = _read(tmp_path, {"type": "float"}, ["1.5", " 1.5", "1.5\t", "\n2"])
    strings, _ = _read(tmp_path, {"type": "string"}, [" sun ", "\train"])

    assert numbers == [1.5]
    assert reasons[" 1.5"] == (
        "v: ' 1.5' has whitespace around it (the contract says whitespace = \"reject\")"
    )
    assert set(reasons) == {" 1.5", "1.5\t", "\n2"}
    assert strings == [" sun ", "\train"]


def test_whitespace_trim_removes_it_around_every_value_first(tmp_path: Path) -> None:
    numbers, _ = _read(tmp_path, {"type": "integer"}, [" 7 ", "\t8\n"], whitespace="trim")
    strings, _ = _read(tmp_path, {"type": "string"}, [" sun ", "rain\r\n"], whitespace="trim")
    _, missing = _read(tmp_path, {"type": "string"}, ["  "], whitespace="trim")

    assert numbers == [7, 8]
    assert strings == ["sun", "rain"]
    assert missing == {"  ": "v: missing value (column is not nullable)"}


@pytest.mark.parametrize(
    ("format", "regex", "length"),
    [
        ("%Y/%m/%d", "[0-9]{4}/[0-9]{2}/[0-9]{2}", 10),
        ("%d.%m.%Y %H:%M", r"[0-9]{2}\.[0-9]{2}\.[0-9]{4}\ [0-9]{2}:[0-9]{2}", 16),
        ("%-d %B %Y", "[0-9]{1,2}\\ [A-Za-z]+\\ [0-9]{4}", None),
        ("%Y-W%U", None, None),
    ],
)
def test_a_format_has_the_shape_it_writes(format: str, regex: str | None, length: int) -> None:
    shape = format_shape(format)

    assert (shape.regex, shape.length) == (regex, length)
