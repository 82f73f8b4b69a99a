import numpy as np
import pyarrow as pa
import pytest

from brickyard.models import ModelError
from brickyard.models.matrices import feature_matrix, numeric_column, require_columns


def test_feature_matrix_follows_the_requested_order_and_maps_null_to_nan() -> None:
    table = pa.table(
        {
            "a": pa.array([1, None, 3], pa.int16()),
            "b": pa.array([0.5, 1.5, None]),
            "c": pa.array([True, False, None]),
        }
    )
    matrix = feature_matrix(table, ["c", "a", "b"], purpose="test")
    assert matrix.dtype == np.float64
    np.testing.assert_array_equal(
        matrix, [[1.0, 1.0, 0.5], [0.0, np.nan, 1.5], [np.nan, 3.0, np.nan]]
    )


def test_missing_columns_are_all_named() -> None:
    table = pa.table({"a": [1.0]})
    with pytest.raises(
        ModelError, match=r"scoring: the table lacks column\(s\) b, c \(it has: a\)"
    ):
        require_columns(table.schema, ["a", "b", "c"], purpose="scoring")


def test_non_numeric_column_is_refused() -> None:
    table = pa.table({"weather": ["rain", "sun"]})
    with pytest.raises(ModelError, match="column 'weather' has type string"):
        numeric_column(table, "weather")
