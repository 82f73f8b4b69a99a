"""Score new rows with a trained model."""

from __future__ import annotations

import pyarrow as pa

from brickyard.models.matrices import feature_matrix, require_columns
from brickyard.models.training import TrainedModel


def score(model: TrainedModel, table: pa.Table) -> pa.Table:
    """Predictions for every row of `table`: columns time, [entity], prediction.

    The table must hold every feature the model was trained on (raises `ModelError`
    naming the missing ones). Rows keep the input order.
    """
    key_columns = [model.time_column, *([model.entity_column] if model.entity_column else [])]
    require_columns(
        table, [*key_columns, *model.feature_names], purpose=f"scoring with model '{model.name}'"
    )
    matrix = feature_matrix(table, model.feature_names, purpose=f"scoring with '{model.name}'")
    predictions = model.predict_matrix(matrix) if table.num_rows else matrix[:, 0]
    return table.select(key_columns).append_column(
        "prediction", pa.array(predictions, pa.float64())
    )
