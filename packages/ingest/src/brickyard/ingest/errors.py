"""The exceptions ingest raises for problems a user can cause and fix."""

from __future__ import annotations

from brickyard.core import BrickyardError


class IngestError(BrickyardError):
    """A source cannot be ingested as a whole.

    Raised for whole-file problems (missing, empty or corrupt file, missing or unexpected
    columns, a failing SQL query, an unreadable state file). Problems with single rows never
    raise: those rows are quarantined with their reason instead.
    """


class ContractError(IngestError):
    """A contract is invalid: its file cannot be read or a key or value in it is wrong."""
