import datetime as dt
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pytest

from brickyard.models import ModelError, ModelInputs, ModelParams, table_fingerprint, train
from brickyard.models.matrices import feature_matrix

FEATURES = ["x1", "x2"]
INPUTS = ModelInputs("date", FEATURES, "y")


def test_train_learns_and_records_what_it_was_trained_on(
    small: pa.Table, make_synthetic: Callable[..., pa.Table]
) -> None:
    inputs = ModelInputs("date", FEATURES, "y", entity_column="station")
    model = train(small, inputs, name="y-v1")
    assert model.name == "y-v1"
    assert model.inputs == inputs
    assert model.inputs.feature_names == ("x1", "x2")
    assert model.training.rows == small.num_rows - small["y"].null_count
    assert model.training.period_start == dt.date(2020, 1, 1)
    assert model.training.period_end == dt.date(2020, 4, 29)
    assert model.training.fingerprint == table_fingerprint(
        small, ["date", "station", "x1", "x2", "y"]
    )
    assert model.metrics == {}
    fresh = make_synthetic(seed=99)
    predictions = model.predict_matrix(feature_matrix(fresh, FEATURES, purpose="test"))
    truth = 2 * fresh["x1"].to_numpy() - np.nan_to_num(fresh["x2"].to_numpy(zero_copy_only=False))
    known = ~np.isnan(fresh["x2"].to_numpy(zero_copy_only=False))
    assert np.mean(np.abs(predictions[known] - truth[known])) < 0.5


def test_training_is_deterministic(small: pa.Table) -> None:
    params = ModelParams(max_iter=50, random_state=7)
    first = train(small, INPUTS, name="m", params=params)
    second = train(small, INPUTS, name="m", params=params)
    matrix = feature_matrix(small, FEATURES, purpose="test")
    np.testing.assert_array_equal(first.predict_matrix(matrix), second.predict_matrix(matrix))
    assert first.estimator.random_state == 7


def test_params_are_validated() -> None:
    with pytest.raises(ValueError, match="learning_rate"):
        ModelParams(learning_rate=0)
    with pytest.raises(ValueError, match="extra"):
        ModelParams.model_validate({"n_estimators": 10})


def test_with_metrics_attaches_finite_metrics(small: pa.Table) -> None:
    model = train(small, INPUTS, name="m")
    assert model.with_metrics({"mae": 0.5, "r2": None}).metrics == {"mae": 0.5, "r2": None}
    with pytest.raises(ModelError, match="metric 'mae' is nan"):
        model.with_metrics({"mae": float("nan")})


@pytest.mark.parametrize(
    ("features", "target", "message"),
    [
        ([], "y", "no features given"),
        (["x1", "x1"], "y", "listed more than once: x1"),
        (["x1", "y"], "y", r"column\(s\) y are used as features and as target"),
        (["x1", "x3"], "y", r"training: the table lacks column\(s\) x3"),
        (["x1", "station"], "y", "column 'station' has type string"),
    ],
)
def test_unusable_training_input_is_refused(
    small: pa.Table, features: list[str], target: str, message: str
) -> None:
    with pytest.raises(ModelError, match=message):
        train(small, ModelInputs("date", features, target), name="m")


def test_time_column_must_be_a_date(small: pa.Table) -> None:
    as_text = small.set_column(1, "date", small["date"].cast(pa.string()))
    with pytest.raises(ModelError, match="time column 'date' has type string, expected date"):
        train(as_text, INPUTS, name="m")


def test_all_targets_null_is_refused(small: pa.Table) -> None:
    empty_target = small.set_column(4, "y", pa.nulls(small.num_rows, pa.float64()))
    with pytest.raises(ModelError, match="no row has a 'y' value"):
        train(empty_target, INPUTS, name="m")
