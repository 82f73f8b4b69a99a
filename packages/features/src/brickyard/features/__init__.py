"""Declarative, point-in-time correct features, computed on DuckDB or Spark.

Declare features as data (`FeatureSet`, usually loaded from TOML with `load_feature_set`),
then `compute_features(table, feature_set)` turns a daily Arrow table into a feature table
with window functions, and `write_features(table, feature_set, path)` streams it to a
Parquet file without holding it in memory. The features of the row at day t only read rows
dated before t. The computation is one Ibis expression; it runs on in-process DuckDB by
default, and unchanged on Spark with `engine=SparkEngine(session)` (`brickyard.features.spark`).
"""

from brickyard.features.computation import build_feature_query, compute_features
from brickyard.features.definitions import (
    Aggregation,
    CalendarFeature,
    CalendarPart,
    ExpandingFeature,
    Feature,
    FeatureSet,
    LagFeature,
    RollingFeature,
    feature_set_from_dict,
    load_feature_set,
)
from brickyard.features.engines import DuckDBEngine, FeatureEngine
from brickyard.features.errors import (
    FeatureComputationError,
    FeatureDefinitionError,
    FeaturesError,
)
from brickyard.features.outputs import write_features

__all__ = [
    "Aggregation",
    "CalendarFeature",
    "CalendarPart",
    "DuckDBEngine",
    "ExpandingFeature",
    "Feature",
    "FeatureComputationError",
    "FeatureDefinitionError",
    "FeatureEngine",
    "FeatureSet",
    "FeaturesError",
    "LagFeature",
    "RollingFeature",
    "build_feature_query",
    "compute_features",
    "feature_set_from_dict",
    "load_feature_set",
    "write_features",
]
