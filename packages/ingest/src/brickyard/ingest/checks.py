"""The contract's row checks as DuckDB SQL: conversions, verdicts, reasons and key hashes.

:func:`plan_scan` turns a contract and an opened source into one query. Per row and column it
converts the value to the contract type (text as :mod:`brickyard.ingest.parsing` says, typed
values by lossless casts only), then checks presence (unless nullable), ``min`` and ``max``,
and ``allowed``. The query yields the typed values, a failure mask ``_fails`` (one bit
per category), the reasons joined by ``"; "`` and the original text of failing rows, plus a
32-bit hash ``_h`` of the key for the duplicate check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from brickyard.ingest.contracts import ColumnSpec, Contract, Whitespace
from brickyard.ingest.errors import ContractError
from brickyard.ingest.parsing import parse_text, typed_value
from brickyard.ingest.quarantine import CATEGORY_BITS
from brickyard.ingest.sources import OpenedSource, sql_name, sql_string

__all__ = ["ScanPlan", "check_formats", "plan_scan"]

_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
_TYPE_WORDS = {
    "integer": "an integer",
    "float": "a float",
    "boolean": "a boolean",
    "date": "a date",
    "timestamp": "a timestamp",
}
# Source types that convert to a contract type by cast; anything else is checked as text.
_CASTABLE = re.compile(
    r"^((U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT))|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\)"
    r"|BOOLEAN|DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE)$"
)


@dataclass(frozen=True)
class _Check:
    category: str
    condition: str
    message: str


@dataclass(frozen=True)
class _ColumnPlan:
    """SQL for one column: its value as text, its conversion, typed value and checks."""

    column: ColumnSpec
    text: str
    conversion: str
    typed: str
    checks: tuple[_Check, ...]


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"CAST({sql_string(repr(value))} AS DOUBLE)"
    if isinstance(value, datetime):
        return f"TIMESTAMP {sql_string(value.isoformat(sep=' '))}"
    if isinstance(value, date):
        return f"DATE {sql_string(value.isoformat())}"
    return sql_string(str(value))


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _cast_to_value(column: ColumnSpec, value: str, source_type: str) -> str:
    target = _DUCKDB_TYPES[column.type]
    if source_type == target:
        return value
    # Only lossless conversions: the value must survive the round trip unchanged, so a 1.5
    # DOUBLE is not an integer and a timestamp with a time of day is not a date.
    return (
        f"CASE WHEN TRY_CAST(TRY_CAST({value} AS {target}) AS {source_type}) = {value} "
        f"THEN TRY_CAST({value} AS {target}) END"
    )


def _plan_column(
    column: ColumnSpec, position: int, source_type: str, whitespace: Whitespace
) -> _ColumnPlan:
    """SQL for column `position`: source ``_s``, converted ``_c`` and typed ``_t`` value."""
    value, converted, typed = f"_s{position}", f"_c{position}", f"_t{position}"
    castable = column.type != "string" and _CASTABLE.match(source_type) is not None
    text = value if source_type == "VARCHAR" else f"CAST({value} AS VARCHAR)"
    if castable:
        # A typed source (Parquet, SQL): converted by value, with no text to read.
        present, conversion = value, _cast_to_value(column, value, source_type)
        reason = (
            f"{sql_string(column.name + ': ' + chr(39))} || {text} || "
            f"{sql_string(chr(39) + ' is not ' + _TYPE_WORDS[column.type])}"
        )
    else:
        parse = parse_text(column, text, whitespace)
        present, conversion, reason = parse.clean, parse.conversion, parse.reason
    name = column.name
    checks: list[_Check] = []
    if not column.nullable:
        checks.append(
            _Check(
                "null",
                f"({present} IS NULL)",
                sql_string(f"{name}: missing value (column is not nullable)"),
            )
        )
    if column.type != "string":
        checks.append(_Check("type", f"({present} IS NOT NULL AND {typed} IS NULL)", reason))
    for bound, operator, label in (
        (column.min, "<", "below the minimum"),
        (column.max, ">", "above the maximum"),
    ):
        if bound is not None:
            checks.append(
                _Check(
                    "range",
                    f"coalesce({typed} {operator} {_literal(bound)}, FALSE)",
                    f"{sql_string(name + ': ')} || {text} || "
                    f"{sql_string(f' is {label} {_shown(bound)}')}",
                )
            )
    if column.allowed is not None:
        # An OR chain rather than IN: DuckDB turns long IN lists into a join, which would
        # cost the scan its row order.
        matches = " OR ".join(f"{typed} = {_literal(item)}" for item in column.allowed)
        listed = ", ".join(_shown(item) for item in column.allowed)
        checks.append(
            _Check(
                "allowed",
                f"coalesce(NOT ({matches}), FALSE)",
                f"{sql_string(name + ': ' + chr(39))} || {text} || "
                f"{sql_string(chr(39) + f' is not an allowed value ({listed})')}",
            )
        )
    return _ColumnPlan(
        column=column,
        text=text,
        conversion=conversion,
        typed=typed_value(column, converted),
        checks=tuple(checks),
    )


@dataclass(frozen=True)
class ScanPlan:
    """The scan SQL for one source and contract, and where its columns end up."""

    renamed: str
    scan: str
    names: tuple[str, ...]
    raw_names: tuple[str, ...]
    texts: tuple[str, ...]


def plan_scan(opened: OpenedSource, contract: Contract, newer_than: Any = None) -> ScanPlan:
    """The query that checks every row of `opened`.

    With `newer_than`, rows whose watermark is at most that value are marked ``_skip``.
    """
    names = contract.column_names
    renamed_columns = ", ".join(f"{sql_name(name)} AS _s{i}" for i, name in enumerate(names))
    renamed = f"SELECT {renamed_columns} FROM ({opened.relation})"
    plans = [
        _plan_column(column, i, opened.types[column.name], contract.whitespace)
        for i, column in enumerate(contract.columns)
    ]
    # Conversions get a layer of their own so each runs once per value, however many checks
    # then read the result.
    converted_columns = ", ".join(f"{plan.conversion} AS _c{i}" for i, plan in enumerate(plans))
    typed_columns = ", ".join(f"{plan.typed} AS _t{i}" for i, plan in enumerate(plans))
    converted = f"SELECT *, {converted_columns} FROM ({renamed})"
    typed = f"SELECT *, {typed_columns} FROM ({converted})"
    skip = ""
    if newer_than is not None and contract.watermark is not None:
        # Rows whose watermark does not convert are kept, so they are quarantined, not skipped.
        mark = f"_t{names.index(contract.watermark)}"
        skip = f", coalesce({mark} <= {_literal(newer_than)}, FALSE) AS _skip"
    checks = [check for plan in plans for check in plan.checks]
    # Every row needs only the verdict; which checks failed is worked out again for the few
    # rows that fail, inside CASE WHEN _bad, which DuckDB evaluates for those rows only.
    any_failed = " OR ".join(f"({check.condition})" for check in checks) or "FALSE"
    judged = f"SELECT *, ({any_failed}) AS _bad FROM ({typed})"
    bits = (
        " | ".join(
            f"CASE WHEN {check.condition} THEN {CATEGORY_BITS[check.category]} ELSE 0 END"
            for check in checks
        )
        or "0"
    )
    reasons = ", ".join(f"CASE WHEN {check.condition} THEN {check.message} END" for check in checks)
    key_refs = [f"_t{names.index(key)}" for key in contract.keys]
    # 32 bits of the key's hash are enough to nominate duplicate candidates (collisions are
    # weeded out by an exact comparison) and sort three times faster than 64.
    key_hash = (
        f"CASE WHEN {' AND '.join(f'{ref} IS NOT NULL' for ref in key_refs)} "
        f"THEN (hash({', '.join(key_refs)}) & 4294967295)::UINTEGER END AS _h, "
        if key_refs
        else ""
    )
    outputs = ", ".join(
        [f"_t{i} AS {sql_name(name)}" for i, name in enumerate(names)]
        + [f"CASE WHEN _bad THEN ({bits}) ELSE 0 END::UTINYINT AS _fails"]
        + [f"CASE WHEN _bad THEN concat_ws('; ', {reasons or 'NULL'}) END AS _reason"]
        # One list rather than a column per value: batches imported from DuckDB stay alive as
        # a whole while any column of them is kept, so the columns that are null for every
        # accepted row should cost as little as possible.
        + [f"CASE WHEN _bad THEN [{', '.join(plan.text for plan in plans)}] END AS _raw"]
    )
    # No WHERE and no row_number(): filtering happens per batch in Python, where each row's
    # position is its count in the stream. A window function would make the scan
    # single-threaded, and DuckDB keeps insertion order through projections.
    scan = f"SELECT {key_hash}{outputs}{skip} FROM ({judged})"
    return ScanPlan(
        renamed=renamed,
        scan=scan,
        names=names,
        raw_names=tuple(f"_r{i}" for i in range(len(names))),
        texts=tuple(plan.text for plan in plans),
    )


def check_formats(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Raise ContractError for a strptime format DuckDB cannot use."""
    for column in contract.columns:
        if column.format is None:
            continue
        try:
            con.execute(f"SELECT try_strptime('', {sql_string(column.format)})").fetchall()
        except duckdb.Error as error:
            raise ContractError(
                f"contract {contract.name!r}: column {column.name!r}: format "
                f"{column.format!r} is not a valid strptime format: {error}"
            ) from None
