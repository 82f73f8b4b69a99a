"""Permutation feature importance."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from sklearn.inspection import permutation_importance

from brickyard.models.errors import ModelError
from brickyard.models.matrices import feature_matrix, numeric_column, require_columns
from brickyard.models.training import TrainedModel


def permutation_importances(
    model: TrainedModel, table: pa.Table, *, n_repeats: int = 5, seed: int = 0
) -> dict[str, float]:
    """Mean increase in MAE when each feature is shuffled, feature name -> importance.

    Evaluated on the rows of `table` that have a target value (use held-out rows). The
    shuffles are seeded, so the result is reproducible. Order follows the model's features.
    """
    features, target = model.inputs.feature_names, model.inputs.target
    require_columns(table.schema, [target], purpose="permutation importance")
    labelled = table.filter(pc.is_valid(table[target]))
    if labelled.num_rows == 0:
        raise ModelError(f"no row has a '{target}' value to measure importance on")
    result = permutation_importance(
        model.estimator,
        feature_matrix(labelled, features, purpose="permutation importance"),
        numeric_column(labelled, target),
        scoring="neg_mean_absolute_error",
        n_repeats=n_repeats,
        random_state=seed,
        n_jobs=1,
    )
    return {
        name: float(value) for name, value in zip(features, result.importances_mean, strict=True)
    }
