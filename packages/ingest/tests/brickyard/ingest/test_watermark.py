from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from brickyard.ingest import (
    Contract,
    IngestError,
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
    assert (first.read_count, first.accepted_count) == (1000, 1000)
    assert load_watermarks(state) == {"seattle_weather": "2014-09-26"}

    second = ingest_incremental(full, seattle_contract, out_dir, state)
    assert (second.read_count, second.accepted_count, second.rejected_count) == (461, 461, 0)
    assert load_watermarks(state) == {"seattle_weather": "2015-12-31"}

    appended = pq.read_table(out_dir / "seattle_weather.parquet")
    assert appended.equals(read_source(full, seattle_contract).accepted)
    report = json.loads((out_dir / "seattle_weather.ingest.json").read_text())
    assert report["read"] == 461
    assert report["outputs"]["accepted_rows"] == 1461
    assert (report["watermark_before"], report["watermark_after"]) == ("2014-09-26", "2015-12-31")


def test_rerun_without_new_rows_changes_nothing(
    tmp_path: Path, sample_lines: list[str], seattle_contract: Contract
) -> None:
    out_dir, state = tmp_path / "out", tmp_path / "state.json"
    source = _write(tmp_path / "full.csv", sample_lines)
    ingest_incremental(source, seattle_contract, out_dir, state)
    before = _snapshot(out_dir), state.read_bytes(), state.stat().st_mtime_ns

    again = ingest_incremental(source, seattle_contract, out_dir, state)

    assert (again.read_count, again.accepted_count, again.rejected_count) == (0, 0, 0)
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
    with pytest.raises(OSError, match="disk full"):
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

    for result in (first, second):
        assert result.rejected.column("_line").to_pylist() == [5]
        assert result.reject_counts["type"] == 1
    assert (second.read_count, second.accepted_count) == (1, 0)
    assert pq.read_table(out_dir / "seattle_weather.parquet").num_rows == 3
    assert load_watermarks(state) == {"seattle_weather": "2012-01-03"}


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
