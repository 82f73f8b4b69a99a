"""The generator's own errors: each says what was wrong and what to do about it."""


class GenerateError(Exception):
    """The synthetic monorepo cannot be generated as asked (nothing was written)."""
