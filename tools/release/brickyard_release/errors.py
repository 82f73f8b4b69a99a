"""The release tool's own errors: each says what was wrong and what to do about it."""


class ReleaseError(Exception):
    """A release cannot be planned or applied as asked (nothing was changed)."""


class PublishError(ReleaseError):
    """Publishing stopped; the message says what was uploaded and what was not."""
