import hashlib
import io
import json
import os
import pickle
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from brickyard.core import ExitCode, ReadError, WriteError
from brickyard.models import (
    FORMAT_VERSION,
    IncompatibleModelError,
    ModelError,
    ModelInputs,
    ModelParams,
    TrainedModel,
    load_model,
    save_model,
    score,
    train,
)
from brickyard.models.persistence import ESTIMATOR_FILE, METADATA_FILE, TRUSTED_TYPES

PARAMS = ModelParams(max_iter=40)


def trained(table: pa.Table) -> TrainedModel:
    model = train(
        table,
        ModelInputs("date", ["x1", "x2"], "y", entity_column="station"),
        name="y-2020-04-29",
        params=PARAMS,
    )
    return model.with_metrics({"mae": 0.25, "n": 40, "r2": None})


def tamper(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    metadata = json.loads((path / METADATA_FILE).read_text())
    change(metadata)
    (path / METADATA_FILE).write_text(json.dumps(metadata))


def test_round_trip_keeps_predictions_and_metadata(small: pa.Table, tmp_path: Path) -> None:
    model = trained(small)
    save_model(model, tmp_path / "model")
    loaded = load_model(tmp_path / "model", expected_features=["x1", "x2"])
    assert loaded.name == "y-2020-04-29"
    assert loaded.inputs == model.inputs
    assert loaded.inputs.entity_column == "station"
    assert loaded.params == PARAMS
    assert loaded.training == model.training
    assert loaded.metrics == {"mae": 0.25, "n": 40, "r2": None}
    np.testing.assert_array_equal(
        score(loaded, small)["prediction"].to_numpy(), score(model, small)["prediction"].to_numpy()
    )


def test_metadata_records_versions_and_no_timestamps(small: pa.Table, tmp_path: Path) -> None:
    save_model(trained(small), tmp_path)
    metadata = json.loads((tmp_path / METADATA_FILE).read_text())
    assert metadata["format_version"] == FORMAT_VERSION
    assert set(metadata["versions"]) == {"python", "scikit-learn", "numpy", "pyarrow", "skops"}
    assert metadata["features"] == ["x1", "x2"]
    assert metadata["training"]["period_start"] == "2020-01-01"
    assert len(metadata["training"]["fingerprint"]) == 64
    assert sorted(p.name for p in tmp_path.iterdir()) == [ESTIMATOR_FILE, METADATA_FILE]
    assert metadata["estimator"]["file"] == ESTIMATOR_FILE
    assert {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()} == {0o644}


def test_retraining_on_the_same_data_writes_identical_bytes(
    small: pa.Table, tmp_path: Path
) -> None:
    save_model(trained(small), tmp_path / "first")
    save_model(trained(small), tmp_path / "second")
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "second").iterdir()}
    assert first == second


def test_saving_over_a_model_replaces_it_whole(small: pa.Table, tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    save_model(trained(small), model_dir)
    other = train(small, ModelInputs("date", ["x1"], "y"), name="y-v2", params=PARAMS)
    save_model(other, model_dir)
    assert sorted(p.name for p in model_dir.iterdir()) == [ESTIMATOR_FILE, METADATA_FILE]
    assert load_model(model_dir).name == "y-v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_failed_save_leaves_the_previous_model_intact(
    small: pa.Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = tmp_path / "model"
    save_model(trained(small), model_dir)
    before = {p.name: p.read_bytes() for p in model_dir.iterdir()}

    def full_disk(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(WriteError, match="No space left"):
        save_model(
            train(small, ModelInputs("date", ["x1"], "y"), name="v2", params=PARAMS), model_dir
        )
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in model_dir.iterdir()} == before
    assert load_model(model_dir).name == "y-2020-04-29"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"], "temporary files left"


def test_a_directory_of_other_files_is_not_replaced(small: pa.Table, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ModelError, match="holds files but no saved model"):
        save_model(trained(small), tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (
            lambda m: m.update(format_version=99),
            ["format version 99", f"reads format version {FORMAT_VERSION}", "retrain"],
        ),
        (
            lambda m: m["versions"].update({"scikit-learn": "0.24.2"}),
            ["saved with scikit-learn 0.24.2", "this environment has scikit-learn", "retrain"],
        ),
        (
            lambda m: m["versions"].update(python="3.8.10"),
            ["saved with python 3.8.10", "this environment has python 3.11", "retrain"],
        ),
    ],
)
def test_incompatible_saved_models_are_refused(
    small: pa.Table, tmp_path: Path, change: Callable[[dict[str, Any]], None], fragments: list[str]
) -> None:
    save_model(trained(small), tmp_path)
    tamper(tmp_path, change)
    with pytest.raises(IncompatibleModelError) as caught:
        load_model(tmp_path)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_a_patch_release_difference_is_accepted(small: pa.Table, tmp_path: Path) -> None:
    save_model(trained(small), tmp_path)
    version = json.loads((tmp_path / METADATA_FILE).read_text())["versions"]["scikit-learn"]
    major_minor = ".".join(version.split(".")[:2])
    tamper(tmp_path, lambda m: m["versions"].update({"scikit-learn": f"{major_minor}.999"}))
    assert load_model(tmp_path).name == "y-2020-04-29"


@pytest.mark.parametrize(
    ("expected", "detail"),
    [
        (["x1", "x3"], "not in the model: x3; only in the model: x2"),
        (["x2", "x1"], "same names, different order"),
    ],
)
def test_feature_list_mismatch_is_refused(
    small: pa.Table, tmp_path: Path, expected: list[str], detail: str
) -> None:
    save_model(trained(small), tmp_path)
    with pytest.raises(IncompatibleModelError) as caught:
        load_model(tmp_path, expected_features=expected)
    message = str(caught.value)
    assert "trained on features ['x1', 'x2']" in message
    assert f"expects {expected}" in message
    assert detail in message


def test_tampered_feature_list_in_metadata_is_refused(small: pa.Table, tmp_path: Path) -> None:
    save_model(trained(small), tmp_path)
    tamper(tmp_path, lambda m: m.update(features=["x1", "x2", "x9"]))
    with pytest.raises(IncompatibleModelError, match="only in the model: x9"):
        load_model(tmp_path, expected_features=["x1", "x2"])
    with pytest.raises(ModelError, match="estimator does not match its metadata"):
        load_model(tmp_path)


def test_corrupted_estimator_is_refused(small: pa.Table, tmp_path: Path) -> None:
    save_model(trained(small), tmp_path)
    estimator = tmp_path / ESTIMATOR_FILE
    data = bytearray(estimator.read_bytes())
    data[len(data) // 2] ^= 0xFF
    estimator.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match the sha256"):
        load_model(tmp_path)


class _WritesAMarker:
    """Unpickling this creates the file `marker`: what an attacker's code would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def _skops_file_calling_open(marker: Path) -> bytes:
    """A skops file that, trusted naively, calls open(marker, "w") when loaded."""

    def text(value: str) -> dict[str, Any]:
        return {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode"} | {
            "content": json.dumps(value),
            "is_json": True,
        }

    schema = {
        "__class__": "open",
        "__module__": "builtins",
        "__loader__": "ConstructorFromReduceNode",
        "content": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode"}
        | {"content": [text(str(marker)), text("w")]},
        "protocol": 2,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    return buffer.getvalue()


def _replace_estimator(model_dir: Path, content: bytes) -> None:
    """What someone who can write the model directory can do: new bytes, matching sha256."""
    (model_dir / ESTIMATOR_FILE).write_bytes(content)
    tamper(model_dir, lambda m: m["estimator"].update(sha256=hashlib.sha256(content).hexdigest()))


@pytest.mark.parametrize("payload", ["pickle", "skops calling open"])
def test_a_tampered_estimator_is_refused_and_runs_nothing(
    small: pa.Table, tmp_path: Path, payload: str
) -> None:
    model_dir, marker = tmp_path / "model", tmp_path / "code-ran"
    save_model(trained(small), model_dir)
    content = (
        pickle.dumps(_WritesAMarker(marker))
        if payload == "pickle"
        else _skops_file_calling_open(marker)
    )
    _replace_estimator(model_dir, content)

    with pytest.raises(ModelError) as caught:
        load_model(model_dir)

    message = str(caught.value)
    assert message.startswith(f"model 'y-2020-04-29' at {model_dir}: {ESTIMATOR_FILE} ")
    if payload == "pickle":
        assert "is not a skops file" in message
    else:
        assert "names types outside the trusted list (builtins.open)" in message
    assert not marker.exists(), "loading the model ran the attacker's code"


def test_a_model_saved_as_a_pickle_by_an_older_version_is_never_unpickled(
    small: pa.Table, tmp_path: Path
) -> None:
    marker = tmp_path / "code-ran"
    save_model(trained(small), tmp_path)
    (tmp_path / ESTIMATOR_FILE).rename(tmp_path / "estimator.joblib")
    (tmp_path / "estimator.joblib").write_bytes(pickle.dumps(_WritesAMarker(marker)))
    tamper(tmp_path, lambda m: m.update(format_version=1))
    tamper(tmp_path, lambda m: m["estimator"].update(file="estimator.joblib"))

    with pytest.raises(IncompatibleModelError) as caught:
        load_model(tmp_path)

    assert "saved in format 1, a pickle, which can run any code" in str(caught.value)
    assert "retrain it with the training job" in str(caught.value)
    assert not marker.exists()


def test_the_estimator_of_a_trained_model_names_only_trusted_types(
    small: pa.Table, tmp_path: Path
) -> None:
    save_model(trained(small), tmp_path)
    with zipfile.ZipFile(tmp_path / ESTIMATOR_FILE) as archive:
        schema = archive.read("schema.json").decode()

    named = {f"{module}.{name}" for name, module in _class_and_module(schema)}
    assert "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor" in named
    assert named <= TRUSTED_TYPES


def _class_and_module(schema: str) -> list[tuple[str, str]]:
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "__class__" in node:
                found.append((node["__class__"], node["__module__"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(schema))
    return found


def test_an_estimator_file_that_cannot_be_read_is_a_read_error(
    small: pa.Table, tmp_path: Path
) -> None:
    save_model(trained(small), tmp_path)
    (tmp_path / ESTIMATOR_FILE).unlink()

    with pytest.raises(ReadError) as caught:
        load_model(tmp_path)

    assert str(caught.value).startswith(f"cannot read {tmp_path / ESTIMATOR_FILE}: ")
    assert caught.value.exit_code == ExitCode.NO_INPUT


def test_missing_or_broken_metadata(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no saved model at"):
        load_model(tmp_path)
    (tmp_path / METADATA_FILE).write_text("{not json")
    with pytest.raises(ModelError, match="is unreadable"):
        load_model(tmp_path)
    (tmp_path / METADATA_FILE).write_text(json.dumps({"format_version": FORMAT_VERSION}))
    with pytest.raises(ModelError, match="is malformed"):
        load_model(tmp_path)


def test_model_path_must_not_be_a_file(small: pa.Table, tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.write_text("")
    with pytest.raises(ModelError, match="is not a directory"):
        save_model(trained(small), target)
