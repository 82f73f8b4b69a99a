from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brickyard.core import ExitCode
from brickyard.features import compute_features, load_feature_set
from brickyard.features.cli import main

JOB_FEATURES = "shared-config/features/weather_daily.toml"


def weather(days: int = 40, stations: tuple[str, ...] = ("north",)) -> pa.Table:
    """Daily weather of each station, in the columns the job's feature set reads."""
    rows = [(station, day) for station in stations for day in range(days)]
    return pa.table(
        {
            "date": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=d) for _, d in rows]),
            "station": [station for station, _ in rows],
            "temp_max": [10.0 + (7 * d) % 11 + len(s) for s, d in rows],
            "temp_min": [2.0 + (5 * d) % 7 for _, d in rows],
            "precipitation": [float(d % 3) for _, d in rows],
            "wind": [3.0 + d % 4 for _, d in rows],
        }
    )


def parquet(tmp_path: Path, table: pa.Table) -> str:
    path = tmp_path / "weather.parquet"
    pq.write_table(table, path)
    return str(path)


def compute(tmp_path: Path, table: pa.Table, *options: str) -> tuple[int, Path]:
    out = tmp_path / "features" / "weather.parquet"
    argv = ["compute", parquet(tmp_path, table), "--definition", JOB_FEATURES, "--out", str(out)]
    return main([*argv, *options]), out


def test_compute_writes_the_features_of_the_definition(tmp_path: Path) -> None:
    table = weather()
    code, out = compute(tmp_path, table)
    assert code == ExitCode.OK
    written = pq.read_table(out)
    assert written.equals(compute_features(table, load_feature_set(JOB_FEATURES)))
    assert written.column_names[:3] == ["date", "temp_max", "temp_max_lag_1"]
    assert out.stat().st_mode & 0o777 == 0o644


def test_compute_per_entity(tmp_path: Path) -> None:
    table = weather(stations=("south", "north"))
    code, out = compute(tmp_path, table, "--entity", "station")
    assert code == ExitCode.OK
    feature_set = load_feature_set(JOB_FEATURES).with_entity_column("station")
    written = pq.read_table(out)
    assert written.equals(compute_features(table, feature_set))
    assert written["station"].to_pylist() == ["north"] * 40 + ["south"] * 40


def test_compute_logs_its_progress_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = compute(tmp_path, weather(), "--log-format", "json")
    assert code == ExitCode.OK
    entries = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [entry["message"] for entry in entries] == [
        f"read 40 rows from {tmp_path / 'weather.parquet'}",
        "computing 14 features of weather_daily on duckdb ...",
        entries[2]["message"],
        f"wrote 40 rows to {out}",
    ]
    assert entries[2]["message"].startswith("computing 14 features of weather_daily on duckdb done")
    assert (entries[2]["engine"], entries[3]["output_rows"]) == ("duckdb", 40)


def test_an_input_without_a_column_the_features_read_exits_65_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = compute(tmp_path, weather().drop_columns(["wind"]))
    assert code == ExitCode.DATA
    assert "column 'wind'" in capsys.readouterr().err
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_an_input_that_is_not_parquet_exits_65(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "weather.csv"
    text.write_text("date,temp_max\n2024-01-01,3.0\n")
    argv = ["compute", str(text), "--definition", JOB_FEATURES, "--out", str(tmp_path / "f.pq")]
    assert main(argv) == ExitCode.DATA
    assert f"cannot read {text} as a Parquet table" in capsys.readouterr().err


def test_a_missing_input_exits_66(tmp_path: Path) -> None:
    argv = ["compute", str(tmp_path / "none.parquet"), "--definition", JOB_FEATURES]
    assert main([*argv, "--out", str(tmp_path / "f.parquet")]) == ExitCode.NO_INPUT


def test_an_invalid_definition_exits_78_naming_the_feature(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = tmp_path / "features.toml"
    definition.write_text(
        'time_column = "date"\ntarget = "temp_max"\n'
        '[[features]]\nkind = "lag"\ncolumn = "temp_max"\ndays = 0\n'
    )
    argv = ["compute", parquet(tmp_path, weather()), "--definition", str(definition)]
    assert main([*argv, "--out", str(tmp_path / "f.parquet")]) == ExitCode.CONFIG
    err = capsys.readouterr().err
    assert str(definition) in err and "days" in err


def test_an_entity_that_is_the_time_column_is_a_usage_error(tmp_path: Path) -> None:
    code, _ = compute(tmp_path, weather(), "--entity", "date")
    assert code == ExitCode.USAGE
