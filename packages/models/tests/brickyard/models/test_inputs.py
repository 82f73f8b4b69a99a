from __future__ import annotations

from brickyard.features import feature_set_from_dict
from brickyard.models.inputs import ModelInputs


def test_inputs_follow_the_feature_set_in_declaration_order() -> None:
    feature_set = feature_set_from_dict(
        {
            "time_column": "date",
            "entity_column": "station",
            "target": "temp_max",
            "features": [
                {"kind": "lag", "column": "temp_max", "days": 1},
                {"kind": "rolling", "column": "wind", "window_days": 7, "agg": "max"},
                {"kind": "calendar", "part": "month"},
            ],
        }
    )
    inputs = ModelInputs.from_feature_set(feature_set)
    assert inputs == ModelInputs(
        time_column="date",
        entity_column="station",
        feature_names=("temp_max_lag_1", "wind_max_7d", "month"),
        target="temp_max",
    )
    assert inputs.key_columns == ["date", "station"]


def test_features_are_kept_as_a_tuple_and_the_entity_is_optional() -> None:
    inputs = ModelInputs("date", ["x1", "x2"], "y")
    assert inputs.feature_names == ("x1", "x2")
    assert inputs.entity_column is None
    assert inputs.key_columns == ["date"]
