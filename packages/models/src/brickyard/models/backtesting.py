"""Time-ordered backtests: expanding-window folds, model against a persistence baseline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brickyard.models.errors import ModelError
from brickyard.models.evaluation import Metrics, evaluate
from brickyard.models.importance import permutation_importances
from brickyard.models.inputs import ModelInputs
from brickyard.models.matrices import feature_matrix, numeric_column, require_columns
from brickyard.models.training import ModelParams, check_training_columns, train


@dataclass(frozen=True)
class FoldResult:
    """One fold: trained on every day before `test_start`, tested on the test days."""

    fold: int
    train_start: dt.date
    train_end: dt.date
    test_start: dt.date
    test_end: dt.date
    train_rows: int
    test_rows: int
    model: Metrics
    baseline: Metrics


@dataclass(frozen=True)
class BacktestResult:
    """Per-fold and overall metrics, out-of-sample predictions and feature importance.

    `predictions` has columns time, [entity], actual, predicted, baseline, fold. Overall
    metrics are computed on all out-of-sample rows together. `feature_importance` is the
    permutation importance on the last fold's test rows.
    """

    folds: tuple[FoldResult, ...]
    model: Metrics
    baseline: Metrics
    baseline_feature: str
    predictions: pa.Table
    feature_importance: dict[str, float]


def backtest(
    table: pa.Table,
    inputs: ModelInputs,
    n_splits: int,
    test_days: int,
    *,
    baseline_feature: str,
    params: ModelParams | None = None,
    importance_repeats: int = 5,
    seed: int = 0,
) -> BacktestResult:
    """Evaluate the model on `n_splits` consecutive test windows of `test_days` days.

    The last window ends on the last date of `table`. Fold k trains on every row dated
    before its window (expanding window, nothing shuffled) and predicts the window. The
    baseline predicts the value of `baseline_feature` (e.g. yesterday's value
    `temp_max_lag_1`), or the fold's training mean of the target where that is NULL. Test
    rows without a target are not scored.
    """
    if n_splits < 1 or test_days < 1:
        raise ModelError(
            f"n_splits ({n_splits}) and test_days ({test_days}) must both be at least 1"
        )
    check_training_columns(table, inputs)
    require_columns(table.schema, [baseline_feature], purpose="baseline")
    numeric_column(table, baseline_feature)  # a non-numeric baseline fails before any training
    target = inputs.target
    days = pc.cast(table[inputs.time_column], pa.date32())
    if table.num_rows == 0:
        raise ModelError("the table is empty; nothing to backtest")
    last_day: dt.date = pc.max(days).as_py()
    first_day: dt.date = pc.min(days).as_py()

    folds: list[FoldResult] = []
    parts: list[pa.Table] = []
    importance: dict[str, float] = {}
    for fold in range(1, n_splits + 1):
        test_start = last_day - dt.timedelta(days=(n_splits - fold + 1) * test_days - 1)
        test_end = test_start + dt.timedelta(days=test_days - 1)
        start, end = pa.scalar(test_start, pa.date32()), pa.scalar(test_end, pa.date32())
        history = table.filter(pc.less(days, start))
        window = table.filter(pc.and_(pc.greater_equal(days, start), pc.less_equal(days, end)))
        test = window.filter(pc.is_valid(window[target]))
        span = f"fold {fold} ({test_start} .. {test_end})"
        if pc.count(history[target]).as_py() == 0:
            raise ModelError(
                f"{span} has no training rows with a target before {test_start} (data starts "
                f"{first_day}); use fewer splits or fewer test days"
            )
        if test.num_rows == 0:
            raise ModelError(
                f"{span} has no rows with a target to test on; use fewer splits, more test "
                "days or fill the gap in the data"
            )
        model = train(history, inputs, name=f"backtest-fold-{fold}", params=params)
        actual = numeric_column(test, target)
        predicted = model.predict_matrix(
            feature_matrix(test, inputs.feature_names, purpose="backtest")
        )
        training_mean = float(np.nanmean(numeric_column(history, target)))
        baseline = numeric_column(test, baseline_feature)
        baseline = np.where(np.isnan(baseline), training_mean, baseline)
        folds.append(
            FoldResult(
                fold=fold,
                train_start=model.training.period_start,
                train_end=model.training.period_end,
                test_start=test_start,
                test_end=test_end,
                train_rows=model.training.rows,
                test_rows=test.num_rows,
                model=evaluate(actual, predicted),
                baseline=evaluate(actual, baseline),
            )
        )
        parts.append(
            test.select(inputs.key_columns)
            .append_column("actual", pa.array(actual, pa.float64()))
            .append_column("predicted", pa.array(predicted, pa.float64()))
            .append_column("baseline", pa.array(baseline, pa.float64()))
            .append_column("fold", pa.array(np.full(test.num_rows, fold), pa.int32()))
        )
        if fold == n_splits:
            importance = permutation_importances(
                model, test, n_repeats=importance_repeats, seed=seed
            )

    predictions = pa.concat_tables(parts)
    return BacktestResult(
        folds=tuple(folds),
        model=evaluate(predictions["actual"], predictions["predicted"]),
        baseline=evaluate(predictions["actual"], predictions["baseline"]),
        baseline_feature=baseline_feature,
        predictions=predictions,
        feature_importance=importance,
    )
