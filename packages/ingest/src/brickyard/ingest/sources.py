"""Opening raw sources (CSV, Parquet, JSON Lines, a DuckDB SQL query) as DuckDB relations.

CSV and JSON Lines files may be compressed with gzip (``.gz``) or Zstandard (``.zst``):
DuckDB decompresses them as it reads, and the few raw lines read here in Python (the CSV
header, the text of a duplicate) come through the same decompression, so line numbers,
quarantine and counts are those of the plain file.

Opening checks the source as a whole - it exists, is not empty, is readable and has the
contract's columns. A file that is missing or cannot be read raises
:class:`brickyard.core.ReadError` (exit 66, or 74 when the device fails); one whose content
is unusable (empty, corrupt, wrong columns) raises :class:`IngestError`; both name the file.
The rows themselves are only read later, by validation, in one streaming DuckDB query.

Row positions (``_line`` of rejected rows):

* CSV: the line in the file as DuckDB counts it - the header is line 1, so the first data row
  is line 2; a quoted value spanning several lines counts as one line. Blank lines are
  skipped by the reader without a trace, so rows after one are numbered one line early.
* JSON Lines: the line of the record (one record per line).
* Parquet and SQL: the 1-based row number.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import gzip
import io
import os
import re
import tempfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

import duckdb
import numpy as np
import zstandard

from brickyard.core import ReadError, WriteError
from brickyard.ingest.contracts import Contract
from brickyard.ingest.errors import IngestError
from brickyard.ingest.quarantine import MalformedLine

__all__ = [
    "Compression",
    "OpenedSource",
    "SourceFormat",
    "connect",
    "infer_compression",
    "infer_format",
    "open_source",
]

SourceFormat = Literal["csv", "parquet", "jsonl", "sql"]
Compression = Literal["gzip", "zstd"]

_COMPRESSION_SUFFIXES: Mapping[str, Compression] = {".gz": "gzip", ".zst": "zstd"}
# What a compressed stream raises when it is truncated or not what its suffix says.
_CORRUPT_STREAM = (gzip.BadGzipFile, EOFError, zlib.error, zstandard.ZstdError)
# The operating system's words for the errors DuckDB reports only as text.
_WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
_READ_ERRNOS = (errno.EACCES, errno.EPERM, errno.ENOENT, errno.EISDIR, errno.EIO)

_SUFFIX_FORMATS: Mapping[str, SourceFormat] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_QUERY_START = re.compile(r"^\s*(select|with|from|values|table|\()", re.IGNORECASE)
_MALFORMED_TABLE = "_brickyard_malformed"
_KINDS = {"csv": "CSV", "parquet": "Parquet", "jsonl": "JSON Lines"}
_COMPRESSION_WORDS = {"gzip": "gzip", "zstd": "Zstandard"}
_CHUNK_BYTES = 1 << 24
_NEWLINE = 0x0A
# DuckDB's own memory stays small because rows stream out to Arrow; the cap keeps a
# pathological query from taking the whole machine, spilling to a private temp dir instead.
_DUCKDB_MEMORY_LIMIT = "1GB"


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_name(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def infer_compression(path_or_query: str | os.PathLike[str]) -> Compression | None:
    """How a file is compressed, from its last suffix (``.gz``, ``.zst``); None if not."""
    return _COMPRESSION_SUFFIXES.get(Path(path_or_query).suffix.lower())


def infer_format(path_or_query: str | os.PathLike[str], format: str | None = None) -> SourceFormat:
    """The source format: `format` if given, else from the file suffix (the one before a
    ``.gz`` or ``.zst``), else "sql" for a query."""
    if format is not None:
        if format not in get_args(SourceFormat):
            raise IngestError(
                f"unknown source format {format!r}; use one of {', '.join(get_args(SourceFormat))}"
            )
        return cast(SourceFormat, format)
    if isinstance(path_or_query, str) and _QUERY_START.match(path_or_query):
        return "sql"
    path = Path(path_or_query)
    if infer_compression(path) is not None:
        path = path.with_suffix("")
    suffix = path.suffix.lower()
    if suffix in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[suffix]
    raise IngestError(
        f"{path_or_query}: cannot tell the format from the suffix {suffix!r}; name the file "
        f"*.csv, *.parquet, *.jsonl or *.ndjson (CSV and JSON Lines may end in .gz or .zst), "
        f"or pass format= one of {', '.join(get_args(SourceFormat))}"
    )


@dataclass(frozen=True)
class OpenedSource:
    """A source checked as a whole and ready to scan.

    `relation` is a SQL query yielding the contract's columns, in contract order, under their
    contract names, with rows in source order. `types` gives the DuckDB type of each column.
    """

    label: str
    format: SourceFormat
    relation: str
    types: Mapping[str, str]
    dropped_columns: tuple[str, ...] = ()
    csv_header: tuple[str, ...] = ()
    compression: Compression | None = None

    def malformed_lines(self, con: duckdb.DuckDBPyConnection) -> list[MalformedLine]:
        """CSV lines the reader set aside while scanning `relation`; call right after the scan."""
        if self.format != "csv":
            return []
        rows = con.execute(
            f"""
            SELECT line, arg_min(error_message, coalesce(column_idx, 0)), any_value(csv_line)
            FROM {_MALFORMED_TABLE}
            GROUP BY line
            ORDER BY line
            """
        ).fetchall()
        return [
            MalformedLine(
                line=int(line),
                message=f"malformed line ({str(message).rstrip('.')})"
                + (f": {text!r}" if text else ""),
            )
            for line, message, text in rows
        ]

    def csv_fields(
        self, lines: np.ndarray, columns: Sequence[str]
    ) -> list[list[str | None]] | None:
        """The text of `columns` on the given physical lines of a CSV source.

        One pass over the raw bytes with numpy finds the lines, and only those lines are
        split. Returns None when a line cannot be taken apart on its own (it is missing, not
        UTF-8, or has the wrong number of fields); callers then read the rows through DuckDB.
        Empty fields are None, as DuckDB reads them.
        """
        if self.format != "csv" or not self.csv_header:
            return None
        raw = _physical_lines(Path(self.label), self.compression, lines)
        if raw is None:
            return None
        positions = [self.csv_header.index(name) for name in columns]
        rows: list[list[str | None]] = []
        try:
            for line in raw:
                fields = next(csv.reader([line.rstrip(b"\r").decode("utf-8")]), [])
                if len(fields) != len(self.csv_header):
                    return None
                rows.append([fields[position] or None for position in positions])
        except (UnicodeDecodeError, csv.Error):
            return None
        return rows

    def line_numbers(self, ords: np.ndarray, malformed: list[MalformedLine]) -> np.ndarray:
        """Map positions of scanned rows (1-based, in scan order) to the ``_line`` users see."""
        positions = ords.astype(np.int64, copy=False)
        if self.format != "csv":
            return positions
        # Malformed lines are missing from the scan, so each good row after one sits a line
        # further down than its position says; the +1 is the header line.
        set_aside = np.array([item.line for item in malformed], dtype=np.int64)
        good_rows_before = set_aside - 1 - np.arange(1, set_aside.size + 1)
        return positions + 1 + np.searchsorted(good_rows_before, positions, side="left")


def _physical_lines(
    path: Path, compression: Compression | None, wanted: np.ndarray
) -> list[bytes] | None:
    """The bytes of the given 1-based lines of a file, without line ends, in `wanted` order."""
    order = np.argsort(wanted, kind="stable")
    targets = wanted[order]
    found: list[bytes] = []
    first_line = 1
    # One buffer is reused for the whole file; the unfinished last line of each read moves to
    # its front. This keeps the scan free of per-chunk copies and of mapping the file.
    buffer = bytearray(_CHUNK_BYTES)
    kept = 0
    with raw_bytes(path, compression) as handle:
        while len(found) < len(targets):
            if kept == len(buffer):
                buffer.extend(bytes(len(buffer)))  # a line longer than the buffer
            read = handle.readinto(memoryview(buffer)[kept:])
            size = kept + read
            ends = np.flatnonzero(np.frombuffer(buffer, dtype=np.uint8, count=size) == _NEWLINE)
            if not read:
                # End of file: a last line without a line end still counts.
                ends = np.append(ends, size)
            while len(found) < len(targets) and targets[len(found)] < first_line + len(ends):
                offset = int(targets[len(found)]) - first_line
                start = int(ends[offset - 1]) + 1 if offset else 0
                found.append(bytes(buffer[start : int(ends[offset])]))
            if not read:
                break
            first_line += len(ends)
            tail = int(ends[-1]) + 1 if len(ends) else 0
            buffer[: size - tail] = buffer[tail:size]
            kept = size - tail
    if len(found) < len(targets):
        return None
    lines = [b""] * len(targets)
    for position, line in zip(order.tolist(), found, strict=True):
        lines[position] = line
    return lines


def quiet_progress_bar(con: duckdb.DuckDBPyConnection) -> None:
    """A library must not draw DuckDB's progress bar on its caller's terminal."""
    # Inside Jupyter, DuckDB refuses to change the setting unless ipywidgets is installed;
    # without it no bar is drawn there anyway.
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")


@contextmanager
def raw_bytes(path: Path, compression: Compression | None) -> Iterator[io.BufferedReader]:
    """The bytes of a source file, decompressed; errors name the file.

    A file that cannot be opened or read is a ReadError; a compressed stream that is
    truncated or not what its suffix says is an IngestError.
    """
    try:
        with path.open("rb") as handle:
            if compression is None:
                yield handle
            elif compression == "gzip":
                with gzip.GzipFile(fileobj=handle) as stream:
                    yield cast(io.BufferedReader, stream)
            else:
                with zstandard.ZstdDecompressor().stream_reader(handle) as stream:
                    yield cast(io.BufferedReader, stream)
    except _CORRUPT_STREAM as error:
        raise _corrupt(path, compression, error) from None
    except OSError as error:
        raise ReadError(path, error) from error


def _corrupt(path: Path, compression: Compression | None, error: Exception) -> IngestError:
    kind = _COMPRESSION_WORDS[compression] if compression else "readable"
    return IngestError(f"{path}: not a {kind} file (truncated or corrupt?): {error}")


@contextmanager
def connect() -> Iterator[duckdb.DuckDBPyConnection]:
    """A private in-memory DuckDB connection that spills to a temporary directory."""
    try:
        spill = tempfile.TemporaryDirectory(prefix="brickyard-ingest-")
    except OSError as error:
        raise WriteError(
            Path(tempfile.gettempdir()) / "brickyard-ingest-*", error, advice=_SPILL_ADVICE
        ) from error
    with spill:
        con = duckdb.connect(
            config={
                "memory_limit": _DUCKDB_MEMORY_LIMIT,
                "temp_directory": spill.name,
                "preserve_insertion_order": True,
            }
        )
        try:
            # UTC makes time-zone-aware sources convert the same on every machine.
            con.execute("SET TimeZone = 'UTC'")
            quiet_progress_bar(con)
            yield con
        finally:
            con.close()


_SPILL_ADVICE = (
    "DuckDB spills large scans to a temporary directory: set TMPDIR to a writable directory "
    "with free space and run again"
)


def _check_file(path: Path, kind: str, compression: Compression | None) -> None:
    with raw_bytes(path, compression) as handle:
        head = handle.read(65536)
        more = handle.read(1)
    if not head.strip() and not more:
        needs = "a header" if kind == "CSV" else "one record"
        raise IngestError(f"{path}: empty file; a {kind} source needs at least {needs}")


def _match_columns(
    label: str, found: list[tuple[str, str]], contract: Contract
) -> tuple[dict[str, str], tuple[str, ...]]:
    types = dict(found)
    missing = [name for name in contract.column_names if name not in types]
    if missing:
        raise IngestError(
            f"{label}: missing column(s) required by contract {contract.name!r}: "
            f"{', '.join(missing)} (the source has: {', '.join(types)})"
        )
    extra = tuple(name for name in types if name not in contract.column_names)
    if extra and contract.extra_columns == "reject":
        raise IngestError(
            f"{label}: column(s) not in contract {contract.name!r}: {', '.join(extra)}; "
            "remove them, add them to the contract, or set extra_columns = \"drop\""
        )
    return {name: types[name] for name in contract.column_names}, extra


def _csv_header(path: Path, compression: Compression | None) -> list[str]:
    """The column names in the first record of a CSV file."""
    # Only the header is read here. DuckDB's dialect sniffer is not used because one dirty
    # line in its sample (bad bytes, a short row) makes it fail for the whole file.
    with (
        raw_bytes(path, compression) as stream,
        io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="") as text,
    ):
        header = next(csv.reader(text), [])
    if not header or header == [""]:
        raise IngestError(f"{path}: empty file; a CSV source needs at least a header")
    blank = [str(position) for position, name in enumerate(header, start=1) if not name]
    if blank:
        raise IngestError(f"{path}: header has no name for column(s) {', '.join(blank)}")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise IngestError(f"{path}: header names column(s) more than once: {', '.join(repeated)}")
    return header


def _compression_option(compression: Compression | None) -> str:
    return f"compression = {sql_string(compression or 'none')}"


def _csv_scan(path: Path, header: list[str], compression: Compression | None) -> str:
    # Every column as text, so a bad value is a quarantined row rather than a failed file;
    # lines the reader cannot split go to the rejects table with their line number.
    columns = ", ".join(f"{sql_string(name)}: 'VARCHAR'" for name in header)
    return (
        f"read_csv({sql_string(str(path))}, header = true, auto_detect = false, delim = ',', "
        f"quote = '\"', escape = '\"', columns = {{{columns}}}, store_rejects = true, "
        f"rejects_table = '{_MALFORMED_TABLE}', rejects_scan = '{_MALFORMED_TABLE}_scans', "
        f"{_compression_option(compression)})"
    )


def _json_scan(path: Path, contract: Contract | None, compression: Compression | None) -> str:
    # JSON values arrive as text so that one odd value quarantines its row instead of turning
    # the whole column into an untyped JSON column (the probe, without a contract, reads
    # only the column names).
    columns = (
        ", columns = {"
        + ", ".join(f"{sql_string(name)}: 'VARCHAR'" for name in contract.column_names)
        + "}"
        if contract is not None
        else ""
    )
    return (
        f"read_json({sql_string(str(path))}, format = 'newline_delimited', "
        f"{_compression_option(compression)}{columns})"
    )


def _probe(
    con: duckdb.DuckDBPyConnection, label: str, source_format: SourceFormat, scan: str
) -> list[tuple[str, str]]:
    """Column names and DuckDB types of a scan, read from its metadata or a sample."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as error:
        raise unreadable(label, source_format, error) from None
    return [(str(row[0]), str(row[1])) for row in rows]


def open_source(
    con: duckdb.DuckDBPyConnection,
    path_or_query: str | os.PathLike[str],
    contract: Contract,
    format: str | None = None,
) -> OpenedSource:
    """Check a source as a whole and return the relation validation scans."""
    source_format = infer_format(path_or_query, format)
    compression = None if source_format == "sql" else infer_compression(path_or_query)
    if compression is not None and source_format == "parquet":
        raise IngestError(
            f"{path_or_query}: a Parquet file compresses its pages itself; give the .parquet "
            "file, not a compressed copy of it"
        )
    header: list[str] = []
    if source_format == "sql":
        label = str(path_or_query).strip().rstrip(";").strip()
        scan = f"({label}) AS _source_query"
        found = _probe(con, label, source_format, scan)
    else:
        path = Path(path_or_query)
        label = str(path)
        _check_file(path, _KINDS[source_format], compression)
        if source_format == "csv":
            header = _csv_header(path, compression)
            found = [(name, "VARCHAR") for name in header]
            scan = _csv_scan(path, header, compression)
        elif source_format == "parquet":
            scan = f"read_parquet({sql_string(str(path))})"
            found = _probe(con, label, source_format, scan)
        else:
            found = _probe(con, label, source_format, _json_scan(path, None, compression))
            scan = _json_scan(path, contract, compression)
    types, extra = _match_columns(label, found, contract)
    if source_format == "jsonl":
        types = dict.fromkeys(contract.column_names, "VARCHAR")
    columns = ", ".join(sql_name(name) for name in contract.column_names)
    return OpenedSource(
        label=label,
        format=source_format,
        relation=f"SELECT {columns} FROM {scan}",
        types=types,
        dropped_columns=extra,
        csv_header=tuple(header),
        compression=compression,
    )


def unreadable(
    label: str, source_format: SourceFormat, error: duckdb.Error
) -> IngestError | ReadError | WriteError:
    """The error for a source DuckDB cannot read, naming the file or query.

    DuckDB reports the operating system's errors as text only; those are told apart by the
    operating system's own words, so that a full temporary directory is an environment
    fault (exit 74) and an unreadable file a missing input (66), not bad data (65).
    """
    detail = str(error).strip()
    for code in _WRITE_ERRNOS:
        if os.strerror(code) in detail:
            return WriteError(
                Path(tempfile.gettempdir()), OSError(code, detail), advice=_SPILL_ADVICE
            )
    if source_format != "sql":
        for code in _READ_ERRNOS:
            if os.strerror(code) in detail:
                return ReadError(Path(label), OSError(code, os.strerror(code), label))
    return IngestError(_unreadable_message(label, source_format, detail))


def _unreadable_message(label: str, source_format: SourceFormat, detail: str) -> str:
    if source_format == "sql":
        return f"SQL source failed: {detail}\n  query: {label}"
    if source_format == "parquet":
        return f"{label}: not a readable Parquet file (truncated or corrupt?): {detail}"
    if source_format == "jsonl":
        return f"{label}: not readable as JSON Lines (one JSON object per line): {detail}"
    return f"{label}: not readable as CSV: {detail}"
