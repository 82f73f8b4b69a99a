"""Ingest over generated files (Hypothesis): what holds for every file a data owner can send.

Files are CSV or JSON Lines, plain, gzip or Zstandard, in UTF-8 (with or without a BOM) or
Latin-1, with values quoted or not, embedded line breaks and quotes, whitespace around
values, ragged rows, extreme and malformed numbers and dates, and repeated keys. For each,
an oracle written from the README's grammar (not from the implementation) says which rows
are accepted, with which values, and which are rejected for what. The invariants:

* only declared errors: a file either reads, or fails as a whole with an IngestError;
* read = accepted + rejected, and no row is lost or duplicated: exactly the rows the
  oracle accepts are accepted, in file order, with the values it reads;
* every reject carries its source, its line and a reason; the counts per reason are the
  oracle's;
* accepted rows satisfy the contract (types, nulls, ranges, allowed values, unique keys).

Random bytes after a valid header, or a whole file re-encoded as UTF-16, must keep the
invariants that do not need an oracle.

The profile: `default` (a few seconds, in `./pants test`), or `thorough` (3,500 examples
per property, over 10,000 in all) when BRICKYARD_HYPOTHESIS_PROFILE=thorough, as
tools/benchmarks/ingest_properties.py runs it.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brickyard.ingest import Contract, IngestError, IngestResult
from brickyard.ingest.sources import connect, open_source
from brickyard.ingest.validation import validate

PROFILE_VARIABLE = "BRICKYARD_HYPOTHESIS_PROFILE"
_COMMON = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# `./pants test` must give the same verdict on every run: its few examples are derived from
# each test, not drawn at random; the thorough run explores.
settings.register_profile("default", _COMMON, max_examples=12, derandomize=True)
settings.register_profile("thorough", _COMMON, max_examples=3_500)
PROFILE = settings(settings.get_profile(os.environ.get(PROFILE_VARIABLE, "default")))

WHITESPACE = " \t\n\r\x0b\x0c"
COLUMNS = ("k", "x", "d", "t", "b", "s", "note")
ALLOWED = ("sun", "rain", "fog")
K_RANGE = (-50, 50)
X_RANGE = (-1e6, 1e6)
D_RANGE = (date(1900, 1, 1), date(2100, 12, 31))
# The oracle's own reading of the README's grammar.
INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)
TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[ T]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:\.([0-9]{1,6}))?)?)?"
    r"(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?",
    re.ASCII,
)
DATE_FORMATS = {
    None: (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII), "%Y-%m-%d"),
    "%Y/%m/%d": (re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2}", re.ASCII), "%Y/%m/%d"),
    "%d.%m.%Y": (re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{4}", re.ASCII), "%d.%m.%Y"),
}


@dataclass(frozen=True)
class Shape:
    """How a generated file is written."""

    format: str  # "csv" or "jsonl"
    compression: str | None
    encoding: str  # "utf-8", "utf-8-sig" or "latin-1"
    newline: str
    date_format: str | None
    whitespace: str
    composite_key: bool

    @property
    def name(self) -> str:
        suffix = {None: "", "gzip": ".gz", "zstd": ".zst"}[self.compression]
        return f"source.{self.format}{suffix}"

    def contract(self) -> Contract:
        return Contract.from_dict(
            {
                "name": "generated",
                "keys": ["k", "d"] if self.composite_key else ["k"],
                "whitespace": self.whitespace,
                "columns": [
                    {"name": "k", "type": "integer", "min": K_RANGE[0], "max": K_RANGE[1]},
                    {"name": "x", "type": "float", "nullable": True, "min": X_RANGE[0]}
                    | {"max": X_RANGE[1]},
                    {"name": "d", "type": "date", "min": D_RANGE[0], "max": D_RANGE[1]}
                    | ({"format": self.date_format} if self.date_format else {}),
                    {"name": "t", "type": "timestamp", "nullable": True},
                    {"name": "b", "type": "boolean", "nullable": True},
                    {"name": "s", "type": "string", "nullable": True, "allowed": list(ALLOWED)},
                    {"name": "note", "type": "string", "nullable": True},
                ],
            }
        )


Row = dict[str, str | None]


@dataclass(frozen=True)
class Record:
    values: Row
    ragged: str | None  # None, "short" or "long" (CSV only)
    quoted: frozenset[str]  # CSV columns quoted although they need not be


# --- Value texts: valid ones, near misses and junk ------------------------------------------


def _padded(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Texts, sometimes with whitespace around them."""
    around = st.text(alphabet=WHITESPACE, max_size=2)
    return st.one_of(text, st.tuples(around, text, around).map("".join))


INTEGER_TEXTS = _padded(
    st.one_of(
        st.integers(-60, 60).map(str),
        st.integers(0, 60).map(lambda n: f"+{n:03d}"),
        st.integers(-(2**70), 2**70).map(str),
        st.sampled_from(["1_0", "1,000", "1.0", "1e3", "0x10", "\u0663", "+-7", "--7", ""]),
        st.text(alphabet="0123456789+-._e, ", max_size=6),
    )
)
FLOAT_TEXTS = _padded(
    st.one_of(
        st.floats(-2e6, 2e6).map(repr),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.tuples(st.integers(-999, 999), st.integers(0, 99), st.integers(-400, 400)).map(
            lambda parts: f"{parts[0]}.{parts[1]}e{parts[2]}"
        ),
        st.sampled_from(
            [
                *("NaN", "inf", "-Infinity", "1e309", "1e-400", "1_0.5", "1,5", "+.5", "5."),
                *(".", "-", "1e", "+-1", "1.5f", "0x1p3", "\u0661.5", ""),
            ]
        ),
        st.text(alphabet="0123456789+-.eE_, ", max_size=8),
    )
)
BOOLEAN_TEXTS = _padded(
    st.one_of(
        st.sampled_from(["true", "false", "TRUE", "False", "1", "0", "t", "f", "yes", "on"]),
        st.text(alphabet="truefalsTRUEFALS01 ", max_size=5),
    )
)
STRING_TEXTS = _padded(st.sampled_from([*ALLOWED, "Sun", "hail", ""]))
NOTE_TEXTS = st.text(max_size=8)


def _date_text(day: date, date_format: str | None) -> str:
    year, month, dom = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    if date_format == "%Y/%m/%d":
        return f"{year}/{month}/{dom}"
    if date_format == "%d.%m.%Y":
        return f"{dom}.{month}.{year}"
    return f"{year}-{month}-{dom}"


def date_texts(date_format: str | None) -> st.SearchStrategy[str]:
    days = st.dates(date(1, 1, 1), date(9999, 12, 31))
    return _padded(
        st.one_of(
            st.dates(date(1890, 1, 1), date(2110, 12, 31)).map(
                lambda day: _date_text(day, date_format)
            ),
            days.map(lambda day: _date_text(day, date_format)),
            days.map(lambda day: f"{day.year}-{day.month}-{day.day}"),
            days.map(lambda day: f"{day.year:04d}/{day.month}/{day.day:02d}"),
            st.sampled_from(["2015-02-30", "0000-01-01", "30.02.2015", "2015/02/29", ""]),
            st.dates().map(lambda day: _date_text(day, date_format) + " 00:00:00"),
            st.text(alphabet="0123456789-/. :T", max_size=11),
        )
    )


@st.composite
def timestamp_texts(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(_padded(st.text(alphabet="0123456789-: T.Z+", max_size=20)))
    moment = draw(st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)))
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    precision = draw(st.sampled_from(["day", "minute", "second", "fraction", "hour24"]))
    if precision != "day":
        hour = "24" if precision == "hour24" else f"{moment.hour:02d}"
        text += draw(st.sampled_from([" ", "T"])) + f"{hour}:{moment.minute:02d}"
    if precision in ("second", "fraction"):
        text += f":{draw(st.sampled_from([moment.second, 60])):02d}"
    if precision == "fraction":
        text += (
            "." + f"{moment.microsecond:06d}{draw(st.integers(0, 9))}"[: draw(st.integers(1, 7))]
        )
    if precision != "day" and draw(st.booleans()):
        hours, minutes = draw(st.integers(-14, 14)), draw(st.sampled_from([0, 30]))
        sign = "-" if hours < 0 else "+"
        style = draw(st.sampled_from(["Z", "{}{:02d}:{:02d}", "{}{:02d}{:02d}", "{}{:02d}"]))
        text += style.format(sign, abs(hours), minutes) if style != "Z" else "Z"
    return draw(_padded(st.just(text)))


def value_texts(column: str, date_format: str | None) -> st.SearchStrategy[str | None]:
    texts = {
        "k": INTEGER_TEXTS,
        "x": FLOAT_TEXTS,
        "d": date_texts(date_format),
        "t": timestamp_texts(),
        "b": BOOLEAN_TEXTS,
        "s": STRING_TEXTS,
        "note": NOTE_TEXTS,
    }[column]
    return st.one_of(st.none(), texts)


@st.composite
def records(draw: st.DrawFn, shape: Shape) -> list[Record]:
    # A JSON Lines file needs a record, as a CSV file needs its header.
    count = draw(st.integers(0 if shape.format == "csv" else 1, 8))
    # Keys from a small range, so that they repeat.
    keys = st.one_of(
        st.sampled_from(["-1", "0", "1", "2", "+1", "01"]), value_texts("k", shape.date_format)
    )
    result = []
    for _ in range(count):
        values: Row = {
            column: draw(keys if column == "k" else value_texts(column, shape.date_format))
            for column in COLUMNS
        }
        ragged = (
            draw(st.sampled_from([None] * 8 + ["short", "long"])) if shape.format == "csv" else None
        )
        quoted = frozenset(draw(st.sets(st.sampled_from(COLUMNS))))
        result.append(Record(values, ragged, quoted))
    return result


shapes = st.builds(
    Shape,
    format=st.sampled_from(["csv", "jsonl"]),
    compression=st.sampled_from([None, "gzip", "zstd"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    date_format=st.sampled_from(list(DATE_FORMATS)),
    whitespace=st.sampled_from(["reject", "trim"]),
    composite_key=st.booleans(),
)


# --- Writing the file -----------------------------------------------------------------------


def _csv_field(text: str | None, quote: bool) -> str:
    if text is None or text == "":
        return ""
    if quote or any(character in text for character in ',"\n\r') or text[0] in " \t":
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_record(record: Record, header: list[str]) -> str:
    fields = [_csv_field(record.values[name], name in record.quoted) for name in header]
    if record.ragged == "short":
        fields = fields[:-1]
    elif record.ragged == "long":
        fields.append("extra")
    return ",".join(fields)


def _json_value(text: str | None, column: str) -> Any:
    if text is not None and column == "k" and re.fullmatch(r"-?(0|[1-9][0-9]*)", text):
        return int(text)  # a JSON number: DuckDB reads it back as the same text
    if text in ("true", "false") and column == "b":
        return text == "true"
    return text


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def render(shape: Shape, header: list[str], rows: list[Record]) -> bytes:
    if shape.format == "csv":
        lines = [",".join(header), *(_csv_record(record, header) for record in rows)]
    else:
        lines = [
            json.dumps({name: _json_value(record.values[name], name) for name in header})
            for record in rows
        ]
    text = "".join(line + shape.newline for line in lines)
    data = _encoded(text, shape.encoding)
    if shape.compression == "gzip":
        return gzip.compress(data, mtime=0)
    if shape.compression == "zstd":
        return zstandard.compress(data)
    return data


# --- The oracle -----------------------------------------------------------------------------


def _shape_and_parse(text: str, regex: re.Pattern[str], form: str) -> date | None:
    if not regex.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, form).date()
    except ValueError:
        return None


def _timestamp(text: str) -> datetime | None:
    match = TIMESTAMP.fullmatch(text)
    if not match:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            return None
    return moment if moment.year >= 1 else None


def parse(column: str, text: str, shape: Shape) -> Any:
    """The value the README's grammar reads from `text`, or None if it accepts none."""
    if column in ("s", "note"):
        return text
    if column == "k":
        if not INTEGER.fullmatch(text):
            return None
        number = int(text)
        return number if -(2**63) <= number < 2**63 else None
    if column == "x":
        if not FLOAT.fullmatch(text):
            return None
        real = float(text)
        return real if math.isfinite(real) else None
    if column == "b":
        return {"true": True, "1": True, "false": False, "0": False}.get(text.lower())
    if column == "d":
        regex, form = DATE_FORMATS[shape.date_format]
        return _shape_and_parse(text, regex, form)
    return _timestamp(text)


def _present(text: str | None, column: str, shape: Shape) -> str | None:
    """The text the contract sees: missing, trimmed, or as written."""
    if text is None or (shape.format == "csv" and text == ""):
        return None
    if shape.whitespace == "trim":
        text = text.strip(WHITESPACE)
        return text or None
    return text


@dataclass
class Expected:
    line: int
    values: dict[str, Any]
    categories: set[str]
    key: tuple[Any, ...] | None


def expect_row(record: Record, line: int, shape: Shape) -> Expected:
    # JSON escapes every non-ASCII character; CSV text goes out in the file's encoding, and
    # DuckDB reads every line as UTF-8: one whose bytes are not UTF-8 is malformed, and one
    # whose Latin-1 bytes happen to be UTF-8 too (Latin-1 "Â\x80" is UTF-8 "\x80") reads as
    # the UTF-8 text. Fields are split on ASCII bytes, so a line is UTF-8 if each field is.
    written = record.values
    if shape.format == "csv":
        read_as = "utf-8-sig" if shape.encoding == "utf-8-sig" else "utf-8"
        try:
            written = {
                column: None if text is None else _encoded(text, shape.encoding).decode(read_as)
                for column, text in record.values.items()
            }
        except UnicodeDecodeError:
            return Expected(line, {}, {"malformed"}, None)
    if record.ragged:
        return Expected(line, {}, {"malformed"}, None)
    values: dict[str, Any] = {}
    categories: set[str] = set()
    bounds = {"k": K_RANGE, "x": X_RANGE, "d": D_RANGE}
    for column in COLUMNS:
        text = _present(written[column], column, shape)
        if text is None:
            values[column] = None
            if column in ("k", "d"):
                categories.add("null")
            continue
        value = parse(column, text, shape)
        values[column] = value
        if value is None:
            categories.add("type")
        elif column in bounds and not bounds[column][0] <= value <= bounds[column][1]:
            categories.add("range")
        elif column == "s" and value not in ALLOWED:
            categories.add("allowed")
    key_columns = ("k", "d") if shape.composite_key else ("k",)
    key = tuple(values[column] for column in key_columns)
    return Expected(line, values, categories, None if None in key else key)


def expect(rows: list[Record], shape: Shape) -> list[Expected]:
    first_line = 2 if shape.format == "csv" else 1
    expected = [expect_row(record, first_line + i, shape) for i, record in enumerate(rows)]
    seen: set[tuple[Any, ...]] = set()
    for row in expected:
        if row.key is None:
            continue
        if row.key in seen:
            row.categories.add("duplicate_key")
        seen.add(row.key)
    return expected


# --- Running ingest -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def database() -> Iterator[duckdb.DuckDBPyConnection]:
    """One DuckDB database for every example; each reads on a connection of its own."""
    with connect() as con:
        yield con


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


def read(database: duckdb.DuckDBPyConnection, path: Path, contract: Contract) -> IngestResult:
    """`read_source`, on a fresh connection to the shared database (a new DuckDB database
    per example would cost more than the whole read)."""
    con = database.cursor()
    try:
        result, _ = validate(con, open_source(con, path, contract), contract)
    finally:
        con.close()
    return result


def assert_invariants(result: IngestResult, path: Path, contract: Contract) -> None:
    """What holds for any file, with or without an oracle."""
    assert result.read_count == result.accepted_count + result.rejected_count
    assert result.accepted.schema == contract.arrow_schema()
    for reject in result.rejected.select(["_source", "_line", "_reason"]).to_pylist():
        assert reject["_source"] == str(path)
        assert reject["_line"] >= 1
        assert reject["_reason"]
    keys = set()
    for row in result.accepted.to_pylist():
        for column in contract.columns:
            value = row[column.name]
            if value is None:
                assert column.nullable, (column.name, row)
                continue
            if column.min is not None:
                assert value >= column.min, (column.name, row)
            if column.max is not None:
                assert value <= column.max, (column.name, row)
            if column.allowed is not None:
                assert value in column.allowed, (column.name, row)
            if isinstance(value, float):
                assert math.isfinite(value)
        key = tuple(row[name] for name in contract.keys)
        assert key not in keys, f"key {key} accepted twice"
        keys.add(key)


@PROFILE
@given(shape=shapes, data=st.data())
def test_generated_files_read_as_the_grammar_says(
    database: duckdb.DuckDBPyConnection, workdir: Path, shape: Shape, data: st.DataObject
) -> None:
    rows = data.draw(records(shape))
    header = data.draw(st.permutations(COLUMNS))
    contract = shape.contract()
    path = workdir / shape.name
    path.write_bytes(render(shape, list(header), rows))

    result = read(database, path, contract)

    assert_invariants(result, path, contract)
    expected = expect(rows, shape)
    accepted = [row.values for row in expected if not row.categories]
    assert result.read_count == len(rows)
    assert result.accepted.to_pylist() == accepted
    rejected = {row.line: row.categories for row in expected if row.categories}
    assert result.rejected.column("_line").to_pylist() == sorted(rejected)
    counts = {category: 0 for category in result.reject_counts}
    for categories in rejected.values():
        for category in categories:
            counts[category] += 1
    assert dict(result.reject_counts) == counts


@PROFILE
@given(
    header=st.permutations(COLUMNS),
    body=st.binary(max_size=300),
    compression=st.sampled_from([None, "gzip", "zstd"]),
)
def test_random_bytes_after_a_header_fail_whole_or_keep_the_invariants(
    database: duckdb.DuckDBPyConnection,
    workdir: Path,
    header: list[str],
    body: bytes,
    compression: str | None,
) -> None:
    shape = Shape("csv", compression, "utf-8", "\n", None, "reject", False)
    data = (",".join(header) + "\n").encode() + body
    packed = {None: data, "gzip": gzip.compress(data, mtime=0)}.get(compression)
    path = workdir / shape.name
    path.write_bytes(packed if packed is not None else zstandard.compress(data))
    contract = shape.contract()

    try:
        result = read(database, path, contract)
    except IngestError as error:
        assert str(path) in str(error), error
        assert "do not reconcile" not in str(error)
        return
    assert_invariants(result, path, contract)


@PROFILE
@given(shape=shapes, data=st.data())
def test_a_file_in_utf16_fails_whole_or_keeps_the_invariants(
    database: duckdb.DuckDBPyConnection, workdir: Path, shape: Shape, data: st.DataObject
) -> None:
    rows = data.draw(records(shape))
    contract = shape.contract()
    path = workdir / shape.name
    text = render(
        Shape(shape.format, None, "utf-8", "\n", shape.date_format, "reject", False),
        list(COLUMNS),
        rows,
    )
    path.write_bytes(text.decode().encode("utf-16"))

    try:
        result = read(database, path, contract)
    except IngestError as error:
        assert str(path) in str(error)
        return
    assert_invariants(result, path, contract)
    assert result.accepted_count == 0
