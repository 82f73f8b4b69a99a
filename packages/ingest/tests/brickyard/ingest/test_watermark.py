from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from brickyard.core import ExitCode, ReadError, WriteError
from brickyard.ingest import (
    Contract,
    IngestError,
    ingest,
    ingest_incremental,
    load_watermarks,
    read_source,
)
from brickyard.ingest.samples import seattle_weather_path


@pytest.fixture
def sample_lines() -> list[str]:
    with seattle_weather_path() as path:
        return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def test_incremental_loads_append_only_newer_rows(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    out_dir, state = tmp_path / "out", tmp_path / "state.json"
    early = _write(tmp_path / "early.csv", sample_lines[:1001])
    full = _write(tmp_path / "full.csv", sample_lines)

    first = ingest_incremental(early, seattle_contract, out_dir, state)
    assert (first.run.read_count, first.run.accepted_count) == (1000, 1000)
    assert (first.watermark_before, first.watermark_after) == (None, date(2014, 9, 26))
    assert load_watermarks(state) == {"seattle_weather": "2014-09-26"}

    second = ingest_incremental(full, seattle_contract, out_dir, state)
    assert (second.run.read_count, second.run.accepted_count, second.run.rejected_count) == (
        461,
        461,
        0,
    )
    assert (second.total.read_count, second.total.accepted_count) == (1461, 1461)
    assert load_watermarks(state) == {"seattle_weather": "2015-12-31"}

    appended = pq.read_table(out_dir / "seattle_weather.parquet")
    assert appended.equals(read_source(full, seattle_contract).accepted)
    assert second.total.accepted.equals(appended)
    report = json.loads((out_dir / "seattle_weather.ingest.json").read_text())
    assert report["read"] == 461
    assert report["outputs"]["accepted_rows"] == 1461
    assert report["total"]["read"] == 1461
    assert (report["watermark_before"], report["watermark_after"]) == ("2014-09-26", "2015-12-31")


def test_rerun_without_new_rows_changes_nothing(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    out_dir, state = tmp_path / "out", tmp_path / "state.json"
    source = _write(tmp_path / "full.csv", sample_lines)
    ingest_incremental(source, seattle_contract, out_dir, state)
    before = _snapshot(out_dir), state.read_bytes(), state.stat().st_mtime_ns

    again = ingest_incremental(source, seattle_contract, out_dir, state)

    assert (again.run.read_count, again.run.accepted_count, again.run.rejected_count) == (0, 0, 0)
    assert (again.total.read_count, again.total.accepted_count) == (1461, 1461)
    assert (_snapshot(out_dir), state.read_bytes(), state.stat().st_mtime_ns) == before


def test_watermark_stays_put_when_writing_fails(
    tmp_path: Path,
    sample_lines: list[str],
    seattle_contract: Contract,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out_dir, state = tmp_path / "out", tmp_path / "state.json"
    ingest_incremental(
        _write(tmp_path / "a.csv", sample_lines[:11]), seattle_contract, out_dir, state
    )
    before = _snapshot(out_dir), state.read_bytes()

    def broken(table: object, path: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(WriteError, match="disk full"):
        ingest_incremental(
            _write(tmp_path / "b.csv", sample_lines), seattle_contract, out_dir, state
        )

    assert (_snapshot(out_dir), state.read_bytes()) == before
    assert load_watermarks(state) == {"seattle_weather": "2012-01-10"}


def test_other_datasets_in_the_state_file_are_kept(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"other": 42}))

    ingest_incremental(
        _write(tmp_path / "a.csv", sample_lines[:3]),
        seattle_contract,
        tmp_path / "out",
        state,
        dataset_name="seattle_days",
    )

    assert load_watermarks(state) == {"other": 42, "seattle_days": "2012-01-02"}
    assert (tmp_path / "out" / "seattle_days.parquet").exists()


def test_rows_with_unreadable_watermarks_are_quarantined_every_run(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    out_dir, state = tmp_path / "out", tmp_path / "state.json"
    source = _write(tmp_path / "a.csv", [*sample_lines[:4], "someday,0,1,0,1,sun\n"])

    first = ingest_incremental(source, seattle_contract, out_dir, state)
    second = ingest_incremental(source, seattle_contract, out_dir, state)

    for result in (first.run, second.run):
        assert result.rejected.column("_line").to_pylist() == [5]
        assert result.reject_counts["type"] == 1
    assert (second.run.read_count, second.run.accepted_count) == (1, 0)
    assert pq.read_table(out_dir / "seattle_weather.parquet").num_rows == 3
    assert load_watermarks(state) == {"seattle_weather": "2012-01-03"}
    # Read on every run, quarantined and counted once.
    assert second.read_again == 1
    assert (second.total.read_count, second.total.rejected_count) == (4, 1)
    assert second.total.reject_counts["type"] == 1
    assert len((out_dir / "seattle_weather.rejects.csv").read_text().splitlines()) == 2


def test_the_quarantine_of_every_run_is_kept_and_totals_equal_one_full_read(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    header, days = sample_lines[0], sample_lines[1:]
    first_part = [
        header,
        *days[:5],
        "2012/01/06,0,99,0,1,sun\n",  # temp_max out of range: a reject with a readable date
        "someday,0,1,0,1,sun\n",  # no readable date: read again by every run
        "2012/01/07,0\n",  # a line the reader cannot split: read again by every run
        *days[6:10],
    ]
    second_part = [*days[10:20], "2012/01/21,0,1,0,1,hail\n", *days[21:30]]
    source = _write(tmp_path / "weather.csv", first_part)
    out_dir, state = tmp_path / "incremental", tmp_path / "state.json"

    day_one = ingest_incremental(source, seattle_contract, out_dir, state)
    _write(source, [*first_part, *second_part])
    day_two = ingest_incremental(source, seattle_contract, out_dir, state)
    full = ingest(source, seattle_contract, tmp_path / "full")

    assert (day_one.run.read_count, day_one.run.rejected_count) == (12, 3)
    # The 20 new lines, and the two rows whose place cannot be known, once more.
    assert (day_two.run.read_count, day_two.read_again, day_two.run.rejected_count) == (22, 2, 3)
    assert day_two.total.read_count == full.read_count == 32
    assert day_two.total.accepted.equals(full.accepted)
    assert day_two.total.rejected.equals(full.rejected)
    assert dict(day_two.total.reject_counts) == dict(full.reject_counts)
    for name in ("seattle_weather.parquet", "seattle_weather.rejects.csv"):
        assert (out_dir / name).read_bytes() == (tmp_path / "full" / name).read_bytes()
    total = json.loads((out_dir / "seattle_weather.ingest.json").read_text())["total"]
    assert total == {
        key: value
        for key, value in json.loads(
            (tmp_path / "full/seattle_weather.ingest.json").read_text()
        ).items()
        if key in total
    }


def test_without_a_stored_watermark_the_source_is_reloaded_whole(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    out_dir, state = tmp_path / "out", tmp_path / "state.json"
    source = _write(tmp_path / "a.csv", sample_lines[:11])
    ingest_incremental(source, seattle_contract, out_dir, state)
    ingest_incremental(source, seattle_contract, out_dir, state)
    state.unlink()

    reloaded = ingest_incremental(source, seattle_contract, out_dir, state)

    assert (reloaded.run.read_count, reloaded.total.read_count) == (10, 10)
    assert pq.read_table(out_dir / "seattle_weather.parquet").num_rows == 10


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda out: (out / "seattle_weather.parquet").unlink(), "seattle_weather.parquet missing"),
        (
            lambda out: (out / "seattle_weather.rejects.csv").write_text(
                (out / "seattle_weather.rejects.csv").read_text() + '"x",,,,,,"f",9,"r"\n'
            ),
            "do not match the counts",
        ),
    ],
)
def test_outputs_that_do_not_match_the_watermark_are_refused(
    tmp_path: Path,
    sample_lines: list[str],
    seattle_contract: Contract,
    damage: Callable[[Path], object],
    problem: str,
) -> None:
    out_dir, state = tmp_path / "out", tmp_path / "state.json"
    source = _write(tmp_path / "a.csv", sample_lines[:11])
    ingest_incremental(source, seattle_contract, out_dir, state)
    damage(out_dir)

    with pytest.raises(IngestError, match=problem) as refused:
        ingest_incremental(source, seattle_contract, out_dir, state)

    assert f"remove 'seattle_weather' from {state} to reload the whole source" in str(refused.value)


def test_contract_without_watermark_is_refused(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    contract = seattle_contract.model_copy(update={"watermark": None})

    with pytest.raises(IngestError, match="has no watermark column"):
        ingest_incremental(
            _write(tmp_path / "a.csv", sample_lines), contract, tmp_path, tmp_path / "s.json"
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (
            '{"seattle_weather": "yesterday"}',
            "'yesterday' of 'seattle_weather' is not a valid date",
        ),
    ],
)
def test_broken_state_file_names_itself(
    tmp_path: Path,
    sample_lines: list[str],
    seattle_contract: Contract,
    content: str,
    message: str,
) -> None:
    state = tmp_path / "state.json"
    state.write_text(content)

    with pytest.raises(IngestError, match=message) as caught:
        ingest_incremental(
            _write(tmp_path / "a.csv", sample_lines), seattle_contract, tmp_path, state
        )

    assert str(state) in str(caught.value)


def test_existing_output_with_another_schema_is_not_appended_to(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    out_dir, state = tmp_path / "out", tmp_path / "state.json"
    ingest_incremental(
        _write(tmp_path / "a.csv", sample_lines[:3]), seattle_contract, out_dir, state
    )
    pq.write_table(
        pq.read_table(out_dir / "seattle_weather.parquet").drop_columns(["wind"]),
        out_dir / "seattle_weather.parquet",
    )

    with pytest.raises(IngestError, match="existing accepted output has schema"):
        ingest_incremental(
            _write(tmp_path / "b.csv", sample_lines), seattle_contract, out_dir, state
        )


def test_a_state_file_that_cannot_be_read_is_a_read_error(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    state = tmp_path / "state.json"
    state.mkdir()

    with pytest.raises(ReadError) as raised:
        ingest_incremental(
            _write(tmp_path / "a.csv", sample_lines), seattle_contract, tmp_path, state
        )

    assert str(raised.value).startswith(f"cannot read {state}: Is a directory")
    assert raised.value.exit_code == ExitCode.NO_INPUT


def test_a_state_file_of_stray_bytes_is_not_valid_json(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(b"\xff\xfe\x00garbage")

    with pytest.raises(IngestError, match="is not valid JSON"):
        ingest_incremental(
            _write(tmp_path / "a.csv", sample_lines), seattle_contract, tmp_path, state
        )
