"""The scaffold's own errors: each says what was wrong and what to do about it."""


class ScaffoldError(Exception):
    """The library cannot be created as asked (nothing was written)."""
