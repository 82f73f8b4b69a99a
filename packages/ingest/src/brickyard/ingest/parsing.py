"""What text each contract type accepts, as DuckDB SQL: one grammar a data owner can read.

The grammar (packages/ingest/README.md, "What text is accepted", says it for data owners):

* integer: ``[+-]?[0-9]+`` that fits 64 bits (``007`` and ``+7`` are 7);
* float: ``[+-]?(D+[.D*] | .D+)([eE][+-]?D+)?`` (D a digit, ASCII only) whose value is
  finite: no ``NaN`` or ``inf``, no ``1e309`` (it overflows), no ``1_0``, no ``1,000``;
  a value too small for a float becomes 0, as every float parser rounds it;
* boolean: ``true`` or ``false`` in any letter case, ``1`` or ``0``;
* date: ``YYYY-MM-DD``, or exactly the shape of the column's ``format``: every directive
  takes the width it writes (``%Y`` four digits, ``%m``, ``%d``, ``%H``, ``%M``, ``%S`` two,
  ``%j`` three, ``%-m`` and the like one or two, ``%f`` one to six, ``%b`` three letters,
  ``%B`` a month name, ``%p`` AM or PM, ``%z`` ``Z`` or ``+HH[:MM]``), and it must be a
  real calendar day in the years 1 to 9999;
* timestamp: ``YYYY-MM-DD[( |T)HH:MM[:SS[.f{1,6}]]][Z|+HH[:MM]]``, or the column's
  ``format``; a time-zone offset is converted to UTC;
* string: any text.

Whitespace (spaces, tabs, line breaks) around a value follows the contract's
``whitespace``: ``"reject"`` (the default) rejects a number, boolean, date or timestamp with
whitespace around it and keeps strings exactly as read; ``"trim"`` removes it around every
value first, and a value that was only whitespace is missing.

The SQL is cheaper than a regular expression per value: DuckDB's own casts do the parsing,
and a few byte tests turn away what they would accept beyond the grammar (underscores,
whitespace, a doubled sign, a date with a one-digit month). The grammar's regular
expressions are only evaluated to word the reason of a value that failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from brickyard.ingest.contracts import ColumnSpec, Whitespace

__all__ = ["TextParse", "parse_text", "typed_value"]

WHITESPACE = " \t\n\r\x0b\x0c"
_WHITESPACE_CODES = "(9, 10, 11, 12, 13, 32)"
_SIGNS = "(43, 45)"  # '+' and '-'

INTEGER_SHAPE = r"[+-]?[0-9]+"
FLOAT_SHAPE = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
ISO_DATE_FORMAT = "%Y-%m-%d"
TIMESTAMP_SHAPE = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
)
BOOLEAN_TEXTS = {"true": True, "1": True, "false": False, "0": False}

# strptime directives and the text each takes: (regular expression, width when fixed).
_DIRECTIVES: dict[str, tuple[str, int | None]] = {
    "Y": ("[0-9]{4}", 4),
    "m": ("[0-9]{2}", 2),
    "d": ("[0-9]{2}", 2),
    "H": ("[0-9]{2}", 2),
    "I": ("[0-9]{2}", 2),
    "M": ("[0-9]{2}", 2),
    "S": ("[0-9]{2}", 2),
    "y": ("[0-9]{2}", 2),
    "j": ("[0-9]{3}", 3),
    "-m": ("[0-9]{1,2}", None),
    "-d": ("[0-9]{1,2}", None),
    "-H": ("[0-9]{1,2}", None),
    "-I": ("[0-9]{1,2}", None),
    "-M": ("[0-9]{1,2}", None),
    "-S": ("[0-9]{1,2}", None),
    "-y": ("[0-9]{1,2}", None),
    "-j": ("[0-9]{1,3}", None),
    "f": ("[0-9]{1,6}", None),
    "b": ("[A-Za-z]{3}", 3),
    "h": ("[A-Za-z]{3}", 3),
    "a": ("[A-Za-z]{3}", 3),
    "B": ("[A-Za-z]+", None),
    "A": ("[A-Za-z]+", None),
    "p": ("[AaPp][Mm]", 2),
    "z": ("(Z|[+-][0-9]{2}(:?[0-9]{2})?)", None),
    "%": ("%", 1),
}
_DIRECTIVE = re.compile(r"%(-?.)")


@dataclass(frozen=True)
class FormatShape:
    """The text a strptime format writes: a regular expression, and its length in bytes when
    every part of it has a fixed width (None otherwise). `regex` is None for a format with a
    directive outside :data:`_DIRECTIVES`, read as DuckDB's strptime reads it."""

    regex: str | None
    length: int | None
    has_whitespace: bool


def format_shape(format: str) -> FormatShape:
    parts: list[str] = []
    length: int | None = 0
    position = 0
    known = True
    for match in _DIRECTIVE.finditer(format):
        literal = format[position : match.start()]
        parts.append(re.escape(literal))
        directive = _DIRECTIVES.get(match.group(1))
        if directive is None:
            known = False
            directive = (".*", None)
        pattern, width = directive
        parts.append(pattern)
        if length is not None:
            length = None if width is None else length + len(literal.encode()) + width
        position = match.end()
    tail = format[position:]
    parts.append(re.escape(tail))
    if length is not None:
        length += len(tail.encode())
    literals = _DIRECTIVE.sub("", format)
    return FormatShape(
        regex="".join(parts) if known else None,
        length=length if known else None,
        has_whitespace=any(character in WHITESPACE for character in literals),
    )


@dataclass(frozen=True)
class TextParse:
    """How one text column converts to its contract type.

    `clean` is the text to convert (trimmed when the contract says so; NULL when missing),
    `conversion` the typed value or NULL when the text is not accepted, and `reason` why a
    present text was not accepted (evaluated for failing rows only).
    """

    clean: str
    conversion: str
    reason: str


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _edges_are_whitespace(text: str) -> str:
    return (
        f"(ascii({text}) IN {_WHITESPACE_CODES} "
        f"OR ascii(right({text}, 1)) IN {_WHITESPACE_CODES})"
    )


def _matches(text: str, regex: str) -> str:
    return f"regexp_full_match({text}, {_quoted(regex)})"


def _date_conversion(clean: str, format: str, target: str) -> str:
    """`clean` read with strptime `format`, when its text has the format's shape."""
    shape = format_shape(format)
    parsed = f"TRY_CAST(try_strptime({clean}, {_quoted(format)}) AS {target})"
    if shape.regex is None:
        # An unusual directive: strptime alone decides, whitespace around still counts.
        return f"CASE WHEN NOT {_edges_are_whitespace(clean)} THEN {parsed} END"
    if shape.length is not None and not shape.has_whitespace:
        # Fixed width and no spaces in the format: the byte length, and no whitespace
        # anywhere, leave strptime nothing to be lenient about.
        return (
            f"CASE WHEN strlen({clean}) = {shape.length} AND NOT contains({clean}, ' ') "
            f"AND NOT {_edges_are_whitespace(clean)} THEN {parsed} END"
        )
    return f"CASE WHEN {_matches(clean, shape.regex)} THEN {parsed} END"


def _conversion(column: ColumnSpec, clean: str) -> str:
    if column.type == "string":
        return clean
    if column.type == "integer":
        return f"CASE WHEN {_matches(clean, INTEGER_SHAPE)} THEN TRY_CAST({clean} AS BIGINT) END"
    if column.type == "float":
        # DuckDB's double parser also takes 1_0, whitespace around and "+-1".
        return (
            f"CASE WHEN contains({clean}, '_') OR {_edges_are_whitespace(clean)} "
            f"OR (ascii({clean}) IN {_SIGNS} AND ascii(substr({clean}, 2, 1)) IN {_SIGNS}) "
            f"THEN NULL ELSE TRY_CAST({clean} AS DOUBLE) END"
        )
    if column.type == "boolean":
        cases = " ".join(
            f"WHEN {_quoted(text)} THEN {str(value).upper()}"
            for text, value in BOOLEAN_TEXTS.items()
        )
        return f"CASE lower({clean}) {cases} END"
    if column.type == "date":
        return _date_conversion(clean, column.format or ISO_DATE_FORMAT, "DATE")
    if column.format is not None:
        return _date_conversion(clean, column.format, "TIMESTAMP")
    # Through TIMESTAMPTZ, so an offset converts to UTC (the session's time zone) rather
    # than being ignored.
    return (
        f"CASE WHEN {_matches(clean, TIMESTAMP_SHAPE)} "
        f"THEN TRY_CAST(TRY_CAST({clean} AS TIMESTAMPTZ) AS TIMESTAMP) END"
    )


def typed_value(column: ColumnSpec, converted: str) -> str:
    """The accepted value of a converted one: floats must be finite (1e309 overflows to
    infinity), dates and timestamps within the years 1 to 9999."""
    if column.type == "float":
        return f"CASE WHEN isfinite({converted}) THEN {converted} END"
    if column.type == "timestamp":
        return (
            f"CASE WHEN {converted} BETWEEN TIMESTAMP '0001-01-01' "
            f"AND TIMESTAMP '9999-12-31 23:59:59.999999' THEN {converted} END"
        )
    if column.type == "date":
        return f"CASE WHEN {converted} >= DATE '0001-01-01' THEN {converted} END"
    return converted


def _expected(column: ColumnSpec) -> str:
    if column.type == "integer":
        return "an integer"
    if column.type == "float":
        return "a float"
    if column.type == "boolean":
        return "a boolean (true, false, 1 or 0)"
    word = "a date" if column.type == "date" else "a timestamp"
    if column.format is not None:
        return f"{word} in format {column.format}"
    if column.type == "date":
        return f"{word} (YYYY-MM-DD)"
    return f"{word} (YYYY-MM-DD, then optionally a time HH:MM[:SS[.ffffff]] and Z or +HH:MM)"


def _reason(column: ColumnSpec, text: str, clean: str, whitespace: Whitespace) -> str:
    name = column.name
    quoted_text = f"{_quoted(name + ': ' + chr(39))} || {text} || {_quoted(chr(39))}"
    cases = []
    if whitespace == "reject":
        cases.append(
            (
                _edges_are_whitespace(clean),
                ' has whitespace around it (the contract says whitespace = "reject")',
            )
        )
    if column.type == "integer":
        cases.append((_matches(clean, INTEGER_SHAPE), " is out of range for an integer (64-bit)"))
    if column.type == "float":
        cases.append((_matches(clean, FLOAT_SHAPE), " is out of range for a float"))
    branches = " ".join(f"WHEN {condition} THEN {_quoted(words)}" for condition, words in cases)
    otherwise = _quoted(f" is not {_expected(column)}")
    suffix = f"CASE {branches} ELSE {otherwise} END" if branches else otherwise
    return f"{quoted_text} || {suffix}"


def parse_text(column: ColumnSpec, text: str, whitespace: Whitespace) -> TextParse:
    """The conversion of the text `text` (SQL) of `column` to its contract type."""
    clean = text if whitespace == "reject" else f"NULLIF(trim({text}, {_quoted(WHITESPACE)}), '')"
    return TextParse(
        clean=clean,
        conversion=_conversion(column, clean),
        reason=_reason(column, text, clean, whitespace),
    )
