"""Which columns of a features table a model reads: the contract between features and models."""

from __future__ import annotations

from dataclasses import dataclass

from brickyard.features import FeatureSet


@dataclass(frozen=True)
class ModelInputs:
    """The time, entity, feature and target columns that `train`, `backtest` and `score` use."""

    time_column: str
    entity_column: str | None
    feature_names: tuple[str, ...]
    target: str

    @classmethod
    def from_feature_set(cls, feature_set: FeatureSet) -> ModelInputs:
        """Read a table made by `brickyard.features.compute_features(..., feature_set)`."""
        return cls(
            time_column=feature_set.time_column,
            entity_column=feature_set.entity_column,
            feature_names=feature_set.feature_names,
            target=feature_set.target,
        )
