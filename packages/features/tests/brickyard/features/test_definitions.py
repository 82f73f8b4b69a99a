from pathlib import Path

import pytest

from brickyard.features import (
    CalendarFeature,
    ExpandingFeature,
    FeatureDefinitionError,
    LagFeature,
    RollingFeature,
    feature_set_from_dict,
    load_feature_set,
)

SHARED_CONFIG = next(
    parent / "shared-config" / "features"
    for parent in Path(__file__).resolve().parents
    if (parent / "shared-config" / "features").is_dir()
)

VALID_TOML = """
name = "demo"
time_column = "date"
target = "temp_max"

[decimals]
temp_max = 1
precipitation = 2

[[features]]
kind = "lag"
column = "temp_max"
days = 1

[[features]]
kind = "rolling"
column = "precipitation"
window_days = 7
agg = "sum"

[[features]]
kind = "expanding"
column = "temp_max"
agg = "mean"

[[features]]
kind = "calendar"
part = "day_of_year_sin"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "features.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_names_are_derived_from_parameters() -> None:
    assert LagFeature(column="temp_max", days=7).name == "temp_max_lag_7"
    assert RollingFeature(column="wind", window_days=28, agg="std").name == "wind_std_28d"
    assert ExpandingFeature(column="temp_min", agg="max").name == "temp_min_max_expanding"
    assert CalendarFeature(part="is_weekend").name == "is_weekend"


def test_load_feature_set_reads_toml_in_declaration_order(tmp_path: Path) -> None:
    feature_set = load_feature_set(write(tmp_path, VALID_TOML))
    assert feature_set.name == "demo"
    assert feature_set.time_column == "date"
    assert feature_set.entity_column is None
    assert feature_set.target == "temp_max"
    assert feature_set.feature_names == (
        "temp_max_lag_1",
        "precipitation_sum_7d",
        "temp_max_mean_expanding",
        "day_of_year_sin",
    )
    assert feature_set.source_columns == ("temp_max", "precipitation")
    assert feature_set.decimals == {"temp_max": 1, "precipitation": 2}


def test_decimals_are_optional() -> None:
    feature_set = feature_set_from_dict(
        {"time_column": "date", "target": "y", "features": [{"kind": "calendar", "part": "month"}]}
    )
    assert feature_set.decimals == {}


def test_shared_weather_daily_config_is_valid() -> None:
    feature_set = load_feature_set(SHARED_CONFIG / "weather_daily.toml")
    assert feature_set.target == "temp_max"
    assert feature_set.entity_column is None
    assert feature_set.feature_names == (
        "temp_max_lag_1",
        "temp_max_lag_2",
        "temp_max_lag_7",
        "temp_min_lag_1",
        "temp_max_mean_7d",
        "temp_max_mean_28d",
        "precipitation_sum_7d",
        "wind_max_7d",
        "day_of_year",
        "month",
        "day_of_week",
        "is_weekend",
        "day_of_year_sin",
        "day_of_year_cos",
    )
    assert feature_set.decimals == {
        "precipitation": 1,
        "temp_max": 1,
        "temp_min": 1,
        "wind": 1,
    }


def test_with_entity_column_partitions_the_same_features(tmp_path: Path) -> None:
    feature_set = load_feature_set(write(tmp_path, VALID_TOML))
    by_station = feature_set.with_entity_column("station")
    assert by_station.entity_column == "station"
    assert by_station.features == feature_set.features
    assert by_station.with_entity_column(None) == feature_set


def test_with_entity_column_rejects_a_clash_with_the_target(tmp_path: Path) -> None:
    feature_set = load_feature_set(write(tmp_path, VALID_TOML))
    with pytest.raises(FeatureDefinitionError, match="must differ"):
        feature_set.with_entity_column("temp_max")


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        (
            'agg = "sum"',
            'agg = "median"',
            ["feature #2", "column='precipitation'", "'agg'", "median"],
        ),
        ("window_days = 7", "window_days = 0", ["feature #2", "'window_days'", "greater than"]),
        (
            "days = 1",
            "days = 1\nwindow = 3",
            ["feature #1", "kind='lag'", "'window'", "unknown key"],
        ),
        ('kind = "expanding"', 'kind = "ewm"', ["feature #3", "kind='ewm'", "tag"]),
        ('part = "day_of_year_sin"', 'part = "week"', ["feature #4", "'part'", "week"]),
        ("days = 1", 'days = "one"', ["feature #1", "'days'", "integer"]),
        ('kind = "lag"\n', "", ["feature #1 (column='temp_max')", "missing key 'kind'"]),
        ('target = "temp_max"', 'target = "temp_max"\ntargets = 1', ["targets", "unknown key"]),
        ("temp_max = 1", "temp_max = 7", ["decimals.temp_max", "less than or equal to 6"]),
        ("precipitation = 2", "precipitation = -1", ["decimals.precipitation", "greater than"]),
        ("precipitation = 2", "wind = 1", ["decimals names column 'wind'", "no feature reads"]),
    ],
)
def test_invalid_definitions_name_the_feature_the_key_and_the_file(
    tmp_path: Path, replace: str, by: str, expected: list[str]
) -> None:
    path = write(tmp_path, VALID_TOML.replace(replace, by, 1))
    with pytest.raises(FeatureDefinitionError) as caught:
        load_feature_set(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message


def test_duplicate_feature_names_are_rejected() -> None:
    lag = {"kind": "lag", "column": "temp_max", "days": 1}
    with pytest.raises(
        FeatureDefinitionError, match=r"#1 and #2 both produce column 'temp_max_lag_1'"
    ):
        feature_set_from_dict(
            {"time_column": "date", "target": "temp_max", "features": [lag, lag]}, source="inline"
        )


def test_feature_may_not_shadow_a_key_column() -> None:
    with pytest.raises(FeatureDefinitionError, match="'month'"):
        feature_set_from_dict(
            {
                "time_column": "date",
                "target": "month",
                "features": [{"kind": "calendar", "part": "month"}],
            }
        )


def test_missing_required_keys_are_listed() -> None:
    with pytest.raises(FeatureDefinitionError) as caught:
        feature_set_from_dict({"features": []}, source="job settings")
    message = str(caught.value)
    assert message.startswith("job settings: invalid feature set")
    assert "time_column" in message
    assert "target" in message


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "time_column = ")
    with pytest.raises(FeatureDefinitionError, match="not valid TOML") as caught:
        load_feature_set(path)
    assert str(path) in str(caught.value)


def test_missing_file_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(FeatureDefinitionError, match="cannot read"):
        load_feature_set(tmp_path / "absent.toml")
