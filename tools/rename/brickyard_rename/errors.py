"""The rename tool's own errors: each says what was wrong and what to do about it."""


class RenameError(Exception):
    """The repository cannot be renamed as asked (nothing was changed)."""
