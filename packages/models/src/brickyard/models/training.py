"""Train a gradient boosting forecaster on a feature table."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field
from sklearn.ensemble import HistGradientBoostingRegressor

from brickyard.models.errors import ModelError
from brickyard.models.fingerprint import table_fingerprint
from brickyard.models.inputs import ModelInputs
from brickyard.models.matrices import FloatArray, feature_matrix, numeric_column, require_columns

MetricValue = float | int | None


class ModelParams(BaseModel):
    """Hyper-parameters of the HistGradientBoostingRegressor.

    The defaults suit a few years of daily data per series: small, regularised trees beat
    scikit-learn's defaults there, which overfit a thousand rows. Early stopping is off so
    every row trains the model. The fixed `random_state` keeps training reproducible.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    learning_rate: float = Field(default=0.05, gt=0, le=1)
    max_iter: int = Field(default=150, ge=1)
    max_leaf_nodes: int = Field(default=7, ge=2)
    max_depth: int | None = Field(default=None, ge=1)
    min_samples_leaf: int = Field(default=30, ge=1)
    l2_regularization: float = Field(default=1.0, ge=0)
    random_state: int = 0

    def estimator(self) -> HistGradientBoostingRegressor:
        return HistGradientBoostingRegressor(
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            max_leaf_nodes=self.max_leaf_nodes,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            early_stopping=False,
            random_state=self.random_state,
        )


@dataclass(frozen=True)
class TrainingSummary:
    """What the model was trained on: a content fingerprint, row count and date range."""

    fingerprint: str
    rows: int
    period_start: dt.date
    period_end: dt.date


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A fitted estimator and everything needed to score, save and audit it.

    `inputs` are the columns it was trained on, and so the columns it scores.
    """

    estimator: HistGradientBoostingRegressor
    name: str
    inputs: ModelInputs
    params: ModelParams
    training: TrainingSummary
    metrics: Mapping[str, MetricValue] = field(default_factory=dict)

    def predict_matrix(self, matrix: FloatArray) -> FloatArray:
        """Predictions for a feature matrix whose columns follow `feature_names`."""
        predictions: FloatArray = self.estimator.predict(matrix)
        return predictions

    def with_metrics(self, metrics: Mapping[str, MetricValue]) -> TrainedModel:
        """A copy carrying `metrics` (e.g. backtest results) to be saved with the model."""
        for key, value in metrics.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ModelError(f"metric '{key}' is {value}; pass finite numbers or None")
        return replace(self, metrics=dict(metrics))


def train(
    table: pa.Table,
    inputs: ModelInputs,
    *,
    name: str,
    params: ModelParams | None = None,
) -> TrainedModel:
    """Fit a HistGradientBoostingRegressor of `inputs.target` on `inputs.feature_names`.

    Rows whose target is NULL are skipped. NULL features are allowed: the estimator handles
    missing values natively. `name` is the caller's model name/version
    (e.g. "temp_max-2015-12-31") and is recorded with the model.
    """
    params = params or ModelParams()
    check_training_columns(table, inputs)
    if not name.strip():
        raise ModelError("model name is empty; pass a name such as 'temp_max-2015-12-31'")
    target = inputs.target
    fingerprint = table_fingerprint(table, [*inputs.key_columns, *inputs.feature_names, target])
    labelled = table.filter(pc.is_valid(table[target]))
    if labelled.num_rows == 0:
        raise ModelError(f"no row has a '{target}' value; nothing to train on")
    estimator = params.estimator()
    estimator.fit(
        feature_matrix(labelled, inputs.feature_names, purpose="training"),
        numeric_column(labelled, target),
    )
    bounds = pc.min_max(labelled[inputs.time_column]).as_py()
    return TrainedModel(
        estimator=estimator,
        name=name,
        inputs=inputs,
        params=params,
        training=TrainingSummary(
            fingerprint=fingerprint,
            rows=labelled.num_rows,
            period_start=bounds["min"],
            period_end=bounds["max"],
        ),
    )


def check_training_columns(table: pa.Table, inputs: ModelInputs) -> None:
    """Raise `ModelError` if the table or the column roles cannot be used for training."""
    features, time_column = inputs.feature_names, inputs.time_column
    if not features:
        raise ModelError("no features given; pass at least one feature column")
    duplicates = sorted({n for n in features if features.count(n) > 1})
    if duplicates:
        raise ModelError(f"feature(s) listed more than once: {', '.join(duplicates)}")
    leaked = {inputs.target, time_column, inputs.entity_column} & set(features)
    if leaked:
        raise ModelError(
            f"column(s) {', '.join(sorted(str(c) for c in leaked))} are used as features and as "
            "target/time/entity; remove them from the feature list"
        )
    require_columns(
        table.schema, [*inputs.key_columns, inputs.target, *features], purpose="training"
    )
    time_type = table.schema.field(time_column).type
    if not (pa.types.is_date32(time_type) or pa.types.is_date64(time_type)):
        raise ModelError(
            f"time column '{time_column}' has type {time_type}, expected date; cast it to date32"
        )
    if table[time_column].null_count:
        raise ModelError(
            f"time column '{time_column}' has {table[time_column].null_count} NULL value(s); "
            "drop those rows first"
        )
