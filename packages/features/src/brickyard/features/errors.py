"""Exceptions a user of brickyard.features can cause."""

from __future__ import annotations

from brickyard.core import BrickyardError


class FeaturesError(BrickyardError):
    """Base class of every error raised by brickyard.features."""


class FeatureDefinitionError(FeaturesError):
    """A feature set definition (TOML file or dict) is malformed or inconsistent."""


class FeatureComputationError(FeaturesError):
    """The input table does not fit the feature set (missing column, wrong type, duplicates)."""
