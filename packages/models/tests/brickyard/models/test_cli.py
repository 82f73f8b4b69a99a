from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import brickyard.models.cli
from brickyard.core import ExitCode
from brickyard.models import ModelInputs, ModelParams, TrainedModel, save_model, score, train
from brickyard.models.cli import main


@pytest.fixture
def model(small: pa.Table) -> TrainedModel:
    inputs = ModelInputs("date", ["x1", "x2"], "y", entity_column="station")
    trained = train(small, inputs, name="y-2020-04-29", params=ModelParams(max_iter=20))
    return trained.with_metrics({"backtest_mae": 0.25, "backtest_n": 40})


@pytest.fixture
def model_dir(tmp_path: Path, model: TrainedModel) -> Path:
    return save_model(model, tmp_path / "models" / "y" / "2020-04-29")


@pytest.fixture
def features(tmp_path: Path, small: pa.Table) -> Path:
    path = tmp_path / "features.parquet"
    pq.write_table(small, path)
    return path


def test_score_writes_the_model_predictions_for_every_row_in_input_order(
    tmp_path: Path, model: TrainedModel, model_dir: Path, features: Path, small: pa.Table
) -> None:
    out = tmp_path / "scores" / "y.parquet"
    argv = ["score", "--model", str(model_dir), str(features), "--out", str(out)]
    assert main(argv) == ExitCode.OK
    written = pq.read_table(out)
    assert written.column_names == ["date", "station", "prediction"]
    assert written.equals(score(model, small))
    assert out.stat().st_mode & 0o777 == 0o644


def test_score_works_a_batch_at_a_time_and_logs_its_progress(
    tmp_path: Path,
    model: TrainedModel,
    model_dir: Path,
    features: Path,
    small: pa.Table,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(brickyard.models.cli, "BATCH_ROWS", 100)
    out = tmp_path / "y.parquet"
    argv = ["score", "--model", str(model_dir), str(features), "--out", str(out)]
    assert main([*argv, "--log-format", "json"]) == ExitCode.OK
    assert pq.read_table(out).equals(score(model, small))
    progress = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [entry["scored"] for entry in progress if "scored" in entry] == [100, 200, 240]
    assert progress[-1]["message"] == f"wrote 240 predictions to {out}"


def test_scoring_a_table_without_the_model_features_exits_65_and_writes_nothing(
    tmp_path: Path, model_dir: Path, small: pa.Table, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "raw.parquet"
    pq.write_table(small.drop_columns(["x2"]), source)
    out = tmp_path / "y.parquet"
    assert main(["score", "--model", str(model_dir), str(source), "--out", str(out)]) == 65
    assert "the table lacks column(s) x2" in capsys.readouterr().err
    assert not out.exists()


def test_inspect_prints_what_the_model_is_as_json(
    model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(model_dir)]) == ExitCode.OK
    described = json.loads(capsys.readouterr().out)
    assert {key: described[key] for key in ("name", "target", "features", "entity_column")} == {
        "name": "y-2020-04-29",
        "target": "y",
        "features": ["x1", "x2"],
        "entity_column": "station",
    }
    assert described["params"]["max_iter"] == 20
    assert described["metrics"] == {"backtest_mae": 0.25, "backtest_n": 40}
    assert described["training"]["period_start"] == "2020-01-01"
    assert len(described["training"]["fingerprint"]) == 64


def test_a_directory_without_a_model_exits_65_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(tmp_path)]) == ExitCode.DATA
    assert f"no saved model at {tmp_path}" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["inspect", "score"])
def test_a_missing_model_exits_66(tmp_path: Path, features: Path, command: str) -> None:
    missing = str(tmp_path / "models" / "gone")
    argv = (
        ["inspect", missing]
        if command == "inspect"
        else ["score", "--model", missing, str(features), "--out", str(tmp_path / "y.parquet")]
    )
    assert main(argv) == ExitCode.NO_INPUT
