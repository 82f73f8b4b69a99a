"""The one error type of the developer CLI."""

from __future__ import annotations

from brickyard.core import BrickyardError


class DevError(BrickyardError):
    """A verb refused or failed; the message says what was wrong, where, and what to do.

    A verb checks everything it can before it writes, so a refusal leaves the repository as
    it was unless the message says otherwise. The CLI exits with `exit_code` (1).
    """
