"""Exceptions a user of brickyard.models can cause."""

from __future__ import annotations

from brickyard.core import BrickyardError


class ModelError(BrickyardError):
    """The input does not fit the model (missing column, wrong type, too little data)."""


class IncompatibleModelError(ModelError):
    """A saved model cannot be used here (format, library versions or features differ)."""
