import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from brickyard.models import ModelError, ModelInputs, ModelParams, backtest, evaluate

FAST = ModelParams(max_iter=60)
BY_STATION = ModelInputs("date", ["x1", "x2"], "y", entity_column="station")
X1 = ModelInputs("date", ["x1"], "y")


def test_folds_are_time_ordered_expanding_windows(small: pa.Table) -> None:
    result = backtest(
        small, BY_STATION, n_splits=3, test_days=10, baseline_feature="y_lag_1", params=FAST
    )
    last_day = dt.date(2020, 4, 29)
    assert [f.fold for f in result.folds] == [1, 2, 3]
    assert [(f.test_start, f.test_end) for f in result.folds] == [
        (last_day - dt.timedelta(days=29), last_day - dt.timedelta(days=20)),
        (last_day - dt.timedelta(days=19), last_day - dt.timedelta(days=10)),
        (last_day - dt.timedelta(days=9), last_day),
    ]
    for fold in result.folds:
        assert fold.train_start == dt.date(2020, 1, 1)
        assert fold.train_end == fold.test_start - dt.timedelta(days=1)
        assert fold.test_rows == fold.model.n == fold.baseline.n
    # Expanding window: every fold trains on more rows than the one before.
    assert [f.train_rows for f in result.folds] == sorted({f.train_rows for f in result.folds})


def test_predictions_table_holds_every_scored_test_row(small: pa.Table) -> None:
    result = backtest(small, BY_STATION, 2, 15, baseline_feature="y_lag_1", params=FAST)
    predictions = result.predictions
    assert predictions.column_names == [
        "date",
        "station",
        "actual",
        "predicted",
        "baseline",
        "fold",
    ]
    assert predictions.num_rows == sum(f.test_rows for f in result.folds)
    assert predictions["actual"].null_count == 0
    assert pc.min(predictions["date"]).as_py() == result.folds[0].test_start
    overall = evaluate(predictions["actual"], predictions["predicted"])
    assert result.model == overall
    assert result.baseline == evaluate(predictions["actual"], predictions["baseline"])
    assert result.baseline_feature == "y_lag_1"
    assert list(result.feature_importance) == ["x1", "x2"]


def test_baseline_falls_back_to_the_training_mean(small: pa.Table) -> None:
    no_baseline = small.set_column(5, "y_lag_1", pa.nulls(small.num_rows, pa.float64()))
    result = backtest(no_baseline, X1, 1, 20, baseline_feature="y_lag_1", params=FAST)
    test_start = result.folds[0].test_start
    history = small.filter(pc.less(small["date"], pa.scalar(test_start, pa.date32())))
    expected = float(np.nanmean(history["y"].to_numpy(zero_copy_only=False)))
    baseline = result.predictions["baseline"].to_numpy()
    assert len(baseline) > 0
    np.testing.assert_allclose(baseline, expected, rtol=0, atol=1e-12)


def test_model_beats_persistence_on_the_seattle_sample(
    seattle: pa.Table, seattle_features: tuple[str, ...]
) -> None:
    result = backtest(
        seattle,
        ModelInputs("date", seattle_features, "temp_max"),
        n_splits=5,
        test_days=73,
        baseline_feature="temp_max_lag_1",
        importance_repeats=3,
    )
    assert result.folds[0].test_start == dt.date(2015, 1, 1)
    assert result.folds[-1].test_end == dt.date(2015, 12, 31)
    assert result.model.mae < result.baseline.mae
    assert result.model.rmse < result.baseline.rmse
    assert result.model.r2 is not None and result.model.r2 > 0.8
    # Yesterday's maximum is what persistence uses; the model should lean on it most.
    top = max(result.feature_importance, key=lambda name: result.feature_importance[name])
    assert top == "temp_max_lag_1"


@pytest.mark.parametrize(
    ("n_splits", "test_days", "message"),
    [
        (0, 10, "must both be at least 1"),
        (3, 0, "must both be at least 1"),
        (13, 10, "fold 1 .* has no training rows .*data starts 2020-01-01"),
    ],
)
def test_impossible_splits_are_refused(
    small: pa.Table, n_splits: int, test_days: int, message: str
) -> None:
    with pytest.raises(ModelError, match=message):
        backtest(small, X1, n_splits, test_days, baseline_feature="y_lag_1")


def test_gap_in_test_window_is_refused(small: pa.Table) -> None:
    before_gap = small.filter(pc.less(small["date"], pa.scalar(dt.date(2020, 3, 1), pa.date32())))
    tail = small.filter(pc.equal(small["date"], pa.scalar(dt.date(2020, 4, 29), pa.date32())))
    gappy = pa.concat_tables([before_gap, tail])
    with pytest.raises(ModelError, match=r"fold 1 \(2020-04-10 .. 2020-04-19\) has no rows"):
        backtest(gappy, X1, 2, 10, baseline_feature="y_lag_1", params=FAST)


def test_baseline_feature_must_exist(small: pa.Table) -> None:
    with pytest.raises(ModelError, match=r"baseline: the table lacks column\(s\) y_lag_7"):
        backtest(small, X1, 1, 10, baseline_feature="y_lag_7")
