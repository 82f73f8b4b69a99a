"""The one exception type of the tool: a message that says what is wrong and what to do."""


class CondaEnvError(Exception):
    """Raised for anything a user can fix: a stale file, a missing record, a drifted pin."""
