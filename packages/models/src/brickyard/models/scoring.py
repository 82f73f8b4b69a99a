"""Score new rows with a trained model."""

from __future__ import annotations

import pyarrow as pa

from brickyard.models.matrices import feature_matrix, require_columns
from brickyard.models.training import TrainedModel


def prediction_schema(model: TrainedModel, schema: pa.Schema) -> pa.Schema:
    """The columns `score(model, table)` returns for a table of `schema`, without scoring.

    Time and [entity] as `schema` has them, then `prediction` (float64). Raises `ModelError`
    naming the model features `schema` lacks, as `score` does.
    """
    inputs = model.inputs
    require_columns(
        schema,
        [*inputs.key_columns, *inputs.feature_names],
        purpose=f"scoring with model '{model.name}'",
    )
    keys = [schema.field(name) for name in inputs.key_columns]
    return pa.schema([*keys, pa.field("prediction", pa.float64())])


def score(model: TrainedModel, table: pa.Table) -> pa.Table:
    """Predictions for every row of `table`: columns time, [entity], prediction.

    The table must hold every feature the model was trained on (`model.inputs`; raises
    `ModelError` naming the missing ones). Rows keep the input order.
    """
    schema = prediction_schema(model, table.schema)
    matrix = feature_matrix(
        table, model.inputs.feature_names, purpose=f"scoring with '{model.name}'"
    )
    predictions = model.predict_matrix(matrix) if table.num_rows else matrix[:, 0]
    return table.select(model.inputs.key_columns).append_column(
        schema.field("prediction"), pa.array(predictions, pa.float64())
    )
