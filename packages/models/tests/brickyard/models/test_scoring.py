import numpy as np
import pyarrow as pa
import pytest

from brickyard.models import ModelError, ModelInputs, prediction_schema, score, train
from brickyard.models.matrices import feature_matrix


def test_score_returns_keys_and_predictions_in_input_order(small: pa.Table) -> None:
    model = train(small, ModelInputs("date", ["x1", "x2"], "y", entity_column="station"), name="m")
    reversed_rows = small.take(pa.array(np.arange(small.num_rows)[::-1]))
    scored = score(model, reversed_rows)
    assert scored.column_names == ["date", "station", "prediction"]
    assert scored["date"].equals(reversed_rows["date"])
    expected = model.predict_matrix(feature_matrix(reversed_rows, ["x1", "x2"], purpose="test"))
    np.testing.assert_array_equal(scored["prediction"].to_numpy(), expected)


def test_score_without_entity_and_on_empty_input(small: pa.Table) -> None:
    model = train(small, ModelInputs("date", ["x1"], "y"), name="m")
    assert score(model, small).column_names == ["date", "prediction"]
    assert score(model, small.slice(0, 0)).num_rows == 0


def test_prediction_schema_is_the_schema_score_returns(small: pa.Table) -> None:
    for entity in ("station", None):
        model = train(small, ModelInputs("date", ["x1"], "y", entity_column=entity), name="m")
        assert prediction_schema(model, small.schema) == score(model, small).schema
    with pytest.raises(ModelError, match=r"scoring with model 'm': the table lacks column\(s\) x1"):
        prediction_schema(model, small.drop_columns(["x1"]).schema)


def test_score_refuses_a_table_missing_model_features(small: pa.Table) -> None:
    model = train(small, ModelInputs("date", ["x1", "x2"], "y"), name="temp-v3")
    with pytest.raises(ModelError) as caught:
        score(model, small.drop_columns(["x2"]))
    message = str(caught.value)
    assert "scoring with model 'temp-v3'" in message
    assert "lacks column(s) x2" in message
