"""Which columns of a features table a model reads: the contract between features and models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from brickyard.features import FeatureSet


@dataclass(frozen=True)
class ModelInputs:
    """The time, entity, feature and target columns of a model.

    `train` and `backtest` take them; a trained model keeps them (`TrainedModel.inputs`),
    so `score` reads the columns it was trained on. `feature_names` may be any sequence; it
    is kept as a tuple, in order.
    """

    time_column: str
    entity_column: str | None
    feature_names: tuple[str, ...]
    target: str

    def __init__(
        self,
        time_column: str,
        feature_names: Sequence[str],
        target: str,
        entity_column: str | None = None,
    ) -> None:
        object.__setattr__(self, "time_column", time_column)
        object.__setattr__(self, "entity_column", entity_column)
        object.__setattr__(self, "feature_names", tuple(feature_names))
        object.__setattr__(self, "target", target)

    @property
    def key_columns(self) -> list[str]:
        """The columns that say which row is which: time, then entity if there is one."""
        return [self.time_column, *([self.entity_column] if self.entity_column else [])]

    @classmethod
    def from_feature_set(cls, feature_set: FeatureSet) -> ModelInputs:
        """Read a table made by `brickyard.features.compute_features(..., feature_set)`."""
        return cls(
            time_column=feature_set.time_column,
            entity_column=feature_set.entity_column,
            feature_names=feature_set.feature_names,
            target=feature_set.target,
        )
