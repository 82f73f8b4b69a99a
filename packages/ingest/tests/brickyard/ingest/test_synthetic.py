from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brickyard.ingest import Contract, generate_weather, read_source
from brickyard.ingest.synthetic import main

COLUMNS = ["station", "date", "precipitation", "temp_max", "temp_min", "wind", "weather"]


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        first = generate_weather(tmp_path / f"a.{fmt}", 5000, seed=7, defect_rate=0.1, format=fmt)
        second = generate_weather(tmp_path / f"b.{fmt}", 5000, seed=7, defect_rate=0.1, format=fmt)
        other = generate_weather(tmp_path / f"c.{fmt}", 5000, seed=8, defect_rate=0.1, format=fmt)

        assert first.read_bytes() == second.read_bytes()
        assert first.read_bytes() != other.read_bytes()


def test_clean_data_passes_the_synthetic_contract(
    tmp_path: Path, synthetic_contract: Contract
) -> None:
    path = generate_weather(tmp_path / "weather.csv", 20_000, n_stations=8)

    result = read_source(path, synthetic_contract)

    assert (result.read_count, result.accepted_count, result.rejected_count) == (20_000, 20_000, 0)
    assert result.accepted.column_names == COLUMNS
    assert len(set(result.accepted.column("station").to_pylist())) == 8
    assert set(result.accepted.column("weather").to_pylist()) <= {
        "drizzle",
        "rain",
        "sun",
        "snow",
        "fog",
    }


def test_rows_are_stations_by_day(tmp_path: Path) -> None:
    path = generate_weather(tmp_path / "weather.csv", 6, n_stations=3)

    lines = path.read_text().splitlines()

    assert lines[0] == ",".join(COLUMNS)
    assert [line.split(",")[:2] for line in lines[1:]] == [
        ["ST0000", "2000/01/01"],
        ["ST0001", "2000/01/01"],
        ["ST0002", "2000/01/01"],
        ["ST0000", "2000/01/02"],
        ["ST0001", "2000/01/02"],
        ["ST0002", "2000/01/02"],
    ]


def test_temperatures_follow_the_seasons(tmp_path: Path) -> None:
    path = generate_weather(tmp_path / "weather.parquet", 3653 * 4, n_stations=4, format="parquet")

    with duckdb.connect() as con:
        by_month = dict(
            con.execute(
                f"SELECT month(date), avg(temp_max) FROM read_parquet('{path}') GROUP BY ALL"
            ).fetchall()
        )
        [(smallest_range,)] = con.execute(
            f"SELECT min(temp_max - temp_min) FROM read_parquet('{path}')"
        ).fetchall()

    assert by_month[7] > by_month[1] + 8
    assert smallest_range >= 0


def test_defects_are_quarantined_by_kind(tmp_path: Path, synthetic_contract: Contract) -> None:
    path = generate_weather(tmp_path / "weather.csv", 30_000, n_stations=10, defect_rate=0.05)

    result = read_source(path, synthetic_contract)

    assert result.read_count == result.accepted_count + result.rejected_count == 30_000
    counts = result.reject_counts
    assert 0.04 < result.rejected_count / 30_000 < 0.06
    for kind in ("type", "range", "duplicate_key"):
        assert counts[kind] > 300
    assert counts["null"] == counts["allowed"] == counts["malformed"] == 0


def test_parquet_output_is_typed(tmp_path: Path, synthetic_contract: Contract) -> None:
    path = generate_weather(tmp_path / "w.parquet", 1000, defect_rate=0.1, format="parquet")

    schema = pq.read_schema(path)
    result = read_source(path, synthetic_contract)

    assert schema.field("date").type == pa.date32()
    assert schema.field("temp_max").type == pa.float64()
    assert result.reject_counts["null"] > 0
    assert result.reject_counts["type"] == 0


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.parquet"

    assert main(["--rows", "50", "--out", str(out), "--stations", "5", "--seed", "3"]) == 0

    assert pq.read_metadata(out).num_rows == 50
    assert f"wrote 50 rows to {out}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_rows": -1}, "n_rows"),
        ({"n_rows": 10, "n_stations": 0}, "n_stations"),
        ({"n_rows": 10, "defect_rate": 1.5}, "defect_rate"),
    ],
)
def test_invalid_arguments(tmp_path: Path, kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_weather(tmp_path / "x.csv", **kwargs)  # type: ignore[arg-type]
