from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from brickyard.core import ExitCode, ReadError, WriteError
from brickyard.ingest import Contract, IngestError, read_source
from brickyard.ingest.quarantine import MalformedLine
from brickyard.ingest.sources import (
    OpenedSource,
    connect,
    infer_compression,
    infer_format,
    open_source,
    unreadable,
)

GOOD_ROW = "2012/01/01,0.0,12.8,5.0,4.7,drizzle\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("data.csv", "csv"),
        (Path("DATA.CSV"), "csv"),
        ("x.parquet", "parquet"),
        ("x.jsonl", "jsonl"),
        ("x.ndjson", "jsonl"),
        ("x.csv.gz", "csv"),
        ("x.CSV.ZST", "csv"),
        ("x.jsonl.zst", "jsonl"),
        ("x.ndjson.gz", "jsonl"),
        ("SELECT 1 AS a", "sql"),
        ("  with t AS (SELECT 1) FROM t", "sql"),
        ("FROM read_csv('x.csv')", "sql"),
    ],
)
def test_format_is_inferred_from_suffix_or_query(source: str | Path, expected: str) -> None:
    assert infer_format(source) == expected


def test_explicit_format_wins_over_suffix() -> None:
    assert infer_format("export.txt", "csv") == "csv"


def test_compression_comes_from_the_last_suffix() -> None:
    assert [infer_compression(name) for name in ("a.csv.gz", "a.jsonl.zst", "a.csv")] == [
        "gzip",
        "zstd",
        None,
    ]


def test_unknown_suffix_and_unknown_format_are_errors() -> None:
    with pytest.raises(IngestError, match=r"data\.txt: cannot tell the format"):
        infer_format("data.txt")
    with pytest.raises(IngestError, match="unknown source format 'xlsx'"):
        infer_format("data.txt", "xlsx")


@pytest.mark.parametrize("name", ["nowhere.csv", "nowhere.csv.gz", "nowhere.jsonl.zst"])
def test_a_missing_file_is_a_read_error_naming_it(
    tmp_path: Path, seattle_contract: Contract, name: str
) -> None:
    missing = tmp_path / name

    with pytest.raises(ReadError) as raised:
        read_source(missing, seattle_contract)
    assert str(raised.value) == (
        f"cannot read {missing}: No such file or directory; "
        "check the path, and that the file has been delivered"
    )
    assert raised.value.exit_code == ExitCode.NO_INPUT


def test_a_directory_is_not_a_source(tmp_path: Path, seattle_contract: Contract) -> None:
    (tmp_path / "daily.csv").mkdir()

    with pytest.raises(ReadError, match="Is a directory; it is a directory: point to a file"):
        read_source(tmp_path / "daily.csv", seattle_contract)


@pytest.mark.parametrize("name", ["weather.csv.gz", "weather.csv.zst", "weather.jsonl.gz"])
def test_a_stream_that_is_not_what_its_suffix_says_fails_the_file(
    write_file: Callable[[str, str | bytes], Path], seattle_contract: Contract, name: str
) -> None:
    path = write_file(name, "date,precipitation\n")

    with pytest.raises(IngestError, match=f"{path}: not a (gzip|Zstandard) file"):
        read_source(path, seattle_contract)


def test_a_compressed_parquet_file_is_refused(tmp_path: Path, seattle_contract: Contract) -> None:
    with pytest.raises(IngestError, match="compresses its pages itself"):
        read_source(tmp_path / "x.parquet.gz", seattle_contract)


def test_duckdb_reports_of_operating_system_errors_are_environment_faults() -> None:
    spill = duckdb.IOException(
        'IO Error: Could not write file "/tmp/brickyard-ingest-1/duckdb_temp_storage-0.tmp": '
        "No space left on device"
    )
    denied = duckdb.IOException('IO Error: Cannot open file "/in/x.csv": Permission denied')

    full = unreadable("/in/x.csv", "csv", spill)
    unreadable_file = unreadable("/in/x.csv", "csv", denied)

    assert isinstance(full, WriteError)
    assert full.exit_code == ExitCode.IO_ERROR
    assert "set TMPDIR to a writable directory with free space" in str(full)
    assert isinstance(unreadable_file, ReadError)
    assert unreadable_file.exit_code == ExitCode.NO_INPUT
    assert str(unreadable_file).startswith("cannot read /in/x.csv: Permission denied")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file_is_a_whole_file_error(
    write_file: Callable[[str, str | bytes], Path], seattle_contract: Contract, content: bytes
) -> None:
    path = write_file("empty.csv", content)

    with pytest.raises(IngestError, match=r"empty\.csv: empty file"):
        read_source(path, seattle_contract)


def test_missing_columns_are_all_listed(
    write_file: Callable[[str, str | bytes], Path], seattle_contract: Contract
) -> None:
    path = write_file("partial.csv", "date,precipitation,weather\n2012/01/01,0.0,sun\n")

    with pytest.raises(IngestError) as caught:
        read_source(path, seattle_contract)

    message = str(caught.value)
    assert str(path) in message
    assert (
        "missing column(s) required by contract 'seattle_weather': temp_max, temp_min, wind"
        in message
    )


def test_extra_columns_fail_the_file_by_default(
    write_file: Callable[[str, str | bytes], Path], seattle_contract: Contract
) -> None:
    path = write_file(
        "extra.csv",
        "date,precipitation,temp_max,temp_min,wind,weather,humidity,source\n"
        "2012/01/01,0.0,12.8,5.0,4.7,drizzle,80,x\n",
    )

    with pytest.raises(IngestError, match="not in contract 'seattle_weather': humidity, source"):
        read_source(path, seattle_contract)


def test_extra_columns_are_dropped_and_reported_when_asked(
    write_file: Callable[[str, str | bytes], Path], seattle_contract: Contract
) -> None:
    dropping = seattle_contract.model_copy(update={"extra_columns": "drop"})
    path = write_file(
        "extra.csv",
        "humidity,date,precipitation,temp_max,temp_min,wind,weather\n"
        "80,2012/01/01,0.0,12.8,5.0,4.7,drizzle\n",
    )

    result = read_source(path, dropping)

    assert result.dropped_columns == ("humidity",)
    assert result.accepted.column_names == list(seattle_contract.column_names)
    assert result.accepted_count == 1
    assert result.summary()["dropped_columns"] == ["humidity"]


def test_header_with_repeated_or_blank_names_is_rejected(
    write_file: Callable[[str, str | bytes], Path], seattle_contract: Contract
) -> None:
    repeated = write_file("repeated.csv", "date,date,wind\n1,2,3\n")
    blank = write_file("blank.csv", "date,,wind\n1,2,3\n")

    with pytest.raises(IngestError, match="more than once: date"):
        read_source(repeated, seattle_contract)
    with pytest.raises(IngestError, match="no name for column"):
        read_source(blank, seattle_contract)


def test_truncated_parquet_is_a_whole_file_error(
    tmp_path: Path, seattle_contract: Contract
) -> None:
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"date": ["2012/01/01"] * 100, "wind": [1.0] * 100}), whole)
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(whole.read_bytes()[:-40])

    with pytest.raises(IngestError, match=r"truncated\.parquet: not a readable Parquet file"):
        read_source(truncated, seattle_contract)


def test_unreadable_json_lines_is_a_whole_file_error(
    write_file: Callable[[str, str | bytes], Path], seattle_contract: Contract
) -> None:
    path = write_file(
        "broken.jsonl",
        '{"date": "2012/01/01", "precipitation": 0, "temp_max": 1, "temp_min": 0,'
        ' "wind": 1, "weather": "sun"}\n{"date": "2012/01/02", "precipitation": \n',
    )

    with pytest.raises(IngestError, match=r"broken\.jsonl: not readable as JSON Lines"):
        read_source(path, seattle_contract)


def test_failing_sql_names_the_query(seattle_contract: Contract) -> None:
    with pytest.raises(IngestError, match="SQL source failed") as caught:
        read_source("SELECT * FROM no_such_table", seattle_contract)

    assert "query: SELECT * FROM no_such_table" in str(caught.value)


def test_opened_csv_relation_selects_contract_columns(
    weather_csv: Callable[[str], Path], seattle_contract: Contract
) -> None:
    path = weather_csv(GOOD_ROW)

    with connect() as con:
        opened = open_source(con, path, seattle_contract)
        rows = con.execute(opened.relation).fetchall()

    assert opened.format == "csv"
    assert opened.label == str(path)
    assert set(opened.types.values()) == {"VARCHAR"}
    assert rows == [("2012/01/01", "0.0", "12.8", "5.0", "4.7", "drizzle")]


def test_csv_line_numbers_step_over_malformed_lines() -> None:
    opened = OpenedSource(label="f.csv", format="csv", relation="", types={})
    # Lines: 1 header, 2 good, 3 malformed, 4 good, 5 malformed, 6 malformed, 7 good.
    malformed = [MalformedLine(3, "x"), MalformedLine(5, "x"), MalformedLine(6, "x")]

    lines = opened.line_numbers(np.array([1, 2, 3]), malformed)

    assert lines.tolist() == [2, 4, 7]


def test_row_numbers_of_other_formats_are_positions() -> None:
    opened = OpenedSource(label="f.parquet", format="parquet", relation="", types={})

    assert opened.line_numbers(np.array([1, 5]), []).tolist() == [1, 5]


DIRTY_CSV = (
    b"date,precipitation,temp_max,temp_min,wind,weather\n"
    b"2012/01/01,0.0,12.8,5.0,4.7,drizzle\n"
    b'2012/01/02,0.0,12.8,5.0,4.7,"sun\nny"\n'
    b"2012/01/03,0.0\n"
    b"2012/01/04,0.0,12.8,5.0,4.7,pluie \xe9t\xe9\n"
    b"2012/01/05,0.0,abc,5.0,4.7,rain\n"
    b"2012/01/01,1.50,11.0,4.0,3.0,sun\n"
)
DIRTY_JSONL = (
    b'{"date": "2012/01/01", "precipitation": 0, "temp_max": 1, "temp_min": 0, "wind": 1,'
    b' "weather": "sun"}\n'
    b'{"date": "2012/01/01", "precipitation": "x", "temp_max": 1, "temp_min": 0, "wind": 1,'
    b' "weather": "sun"}\n'
)


@pytest.mark.parametrize(
    ("plain", "content", "suffix"),
    [
        ("dirty.csv", DIRTY_CSV, ".gz"),
        ("dirty.csv", DIRTY_CSV, ".zst"),
        ("dirty.jsonl", DIRTY_JSONL, ".gz"),
        ("dirty.ndjson", DIRTY_JSONL, ".zst"),
    ],
)
def test_a_compressed_file_reads_exactly_as_the_plain_file(
    write_file: Callable[[str, str | bytes], Path],
    seattle_contract: Contract,
    plain: str,
    content: bytes,
    suffix: str,
) -> None:
    packed = gzip.compress(content) if suffix == ".gz" else zstandard.compress(content)
    compressed = write_file(plain + suffix, packed)

    expected = read_source(write_file(plain, content), seattle_contract)
    result = read_source(compressed, seattle_contract)

    assert result.summary() == {**expected.summary(), "source": str(compressed)}
    assert result.accepted.equals(expected.accepted)
    assert result.rejected.drop_columns(["_source"]).equals(
        expected.rejected.drop_columns(["_source"])
    )
    assert set(result.rejected.column("_source").to_pylist()) == {str(compressed)}
    assert result.rejected_count > 0


def test_the_raw_lines_of_a_compressed_csv_come_through_decompression(
    write_file: Callable[[str, str | bytes], Path],
) -> None:
    contract = Contract.from_dict(
        {
            "name": "pairs",
            "columns": [{"name": "a", "type": "integer"}, {"name": "b", "type": "string"}],
        }
    )
    path = write_file("pairs.csv.zst", zstandard.compress(b"a,b\n1,x\n2,y\n3,z\n"))

    with connect() as con:
        opened = open_source(con, path, contract)

    assert opened.csv_fields(np.array([4, 2]), ["b", "a"]) == [["z", "3"], ["x", "1"]]
