from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from brickyard.core import WriteError
from brickyard.ingest import (
    Contract,
    IngestError,
    IngestResult,
    read_source,
    write_outputs,
)
from brickyard.ingest.outputs import read_rejects
from brickyard.ingest.samples import seattle_weather_path


@pytest.fixture
def sample_result(seattle_contract: Contract) -> IngestResult:
    with seattle_weather_path() as path:
        return read_source(path, seattle_contract)


@pytest.fixture
def messy_result(weather_csv: Callable[[str], Path], seattle_contract: Contract) -> IngestResult:
    path = weather_csv(
        "2012/01/01,0.0,12.8,5.0,4.7,drizzle\n"
        '2012/01/02,0.0,"1,5",5.0,4.7,rain\n'
        "2012/01/03,0.0\n"
    )
    return read_source(path, seattle_contract)


def test_writes_accepted_rejects_and_report(tmp_path: Path, messy_result: IngestResult) -> None:
    out_dir = tmp_path / "out"
    paths = write_outputs(messy_result, out_dir, "weather")

    assert paths.accepted == out_dir / "weather.parquet"
    assert pq.read_table(paths.accepted).equals(messy_result.accepted)
    lines = paths.rejected.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        '"date","precipitation","temp_max","temp_min","wind","weather","_source","_line","_reason"'
    )
    assert lines[1].startswith('"2012/01/02","0.0","1,5","5.0","4.7","rain",')
    assert lines[1].endswith(",3,\"temp_max: '1,5' is not a float\"")
    assert len(lines) == 3
    report = json.loads(paths.report.read_text(encoding="utf-8"))
    assert report["dataset"] == "weather"
    assert report["contract"] == "seattle_weather"
    assert (report["read"], report["accepted"], report["rejected"]) == (3, 1, 2)
    assert report["rejected_by_reason"]["malformed"] == 1
    assert report["rejected_by_reason"]["type"] == 1
    assert sorted(path.name for path in out_dir.iterdir()) == [
        "weather.ingest.json",
        "weather.parquet",
        "weather.rejects.csv",
    ]
    assert {stat.S_IMODE(path.stat().st_mode) for path in out_dir.iterdir()} == {0o644}


def test_rejects_file_reads_back_as_the_rejects_written(
    tmp_path: Path, write_file: Callable[[str, str], Path], seattle_contract: Contract
) -> None:
    # Empty text, a missing value, quotes and a line break inside a value all survive.
    source = write_file(
        "odd.csv",
        "date,precipitation,temp_max,temp_min,wind,weather\n"
        '2012/01/01,,12.8,5.0,4.7,""\n'
        '2012/01/02,0.0,"say ""hi""",5.0,4.7,"rain\nor sun"\n'
        "2012/01/03,0.0\n",
    )
    result = read_source(source, seattle_contract)
    paths = write_outputs(result, tmp_path / "out")

    assert result.rejected_count == 3
    assert read_rejects(paths.rejected, seattle_contract).equals(result.rejected)


def test_rejects_file_has_a_header_even_when_empty(
    tmp_path: Path, sample_result: IngestResult
) -> None:
    paths = write_outputs(sample_result, tmp_path)

    assert paths.rejected.name == "seattle_weather.rejects.csv"
    assert paths.rejected.read_text(encoding="utf-8").splitlines() == [
        '"date","precipitation","temp_max","temp_min","wind","weather","_source","_line","_reason"'
    ]
    assert pq.read_table(paths.accepted).num_rows == 1461


def test_same_result_gives_byte_identical_files(tmp_path: Path, messy_result: IngestResult) -> None:
    first = write_outputs(messy_result, tmp_path / "a", "weather")
    second = write_outputs(messy_result, tmp_path / "b", "weather")

    for left, right in zip(
        (first.accepted, first.rejected, first.report),
        (second.accepted, second.rejected, second.report),
        strict=True,
    ):
        assert left.read_bytes() == right.read_bytes()


def test_failed_write_keeps_previous_outputs(
    tmp_path: Path,
    sample_result: IngestResult,
    messy_result: IngestResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out_dir = tmp_path / "out"
    paths = write_outputs(sample_result, out_dir, "weather")
    before = {path: path.read_bytes() for path in (paths.accepted, paths.rejected, paths.report)}

    def broken_csv_writer(table: object, path: Path) -> None:
        Path(path).write_text("half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pacsv, "write_csv", broken_csv_writer)

    with pytest.raises(WriteError, match=r"cannot write .*weather\.rejects\.csv: disk full"):
        write_outputs(messy_result, out_dir, "weather")

    assert {path: path.read_bytes() for path in before} == before
    assert sorted(out_dir.iterdir()) == sorted(before)


def test_failed_parquet_write_leaves_no_partial_file(
    tmp_path: Path, sample_result: IngestResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_parquet_writer(table: object, path: Path) -> None:
        Path(path).write_bytes(b"PAR1 truncated")
        raise OSError("interrupted")

    monkeypatch.setattr(pq, "write_table", broken_parquet_writer)

    with pytest.raises(WriteError, match=r"weather\.parquet: interrupted"):
        write_outputs(sample_result, tmp_path, "weather")

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden"])
def test_dataset_name_must_be_a_plain_file_name(
    tmp_path: Path, sample_result: IngestResult, name: str
) -> None:
    with pytest.raises(IngestError, match="not a plain file name"):
        write_outputs(sample_result, tmp_path, name)
