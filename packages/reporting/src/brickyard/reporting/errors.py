"""The one exception type a caller of the reporting library needs to catch."""

from brickyard.core import BrickyardError


class ReportError(BrickyardError, ValueError):
    """Report inputs are inconsistent or incomplete, or a report could not be produced.

    The message names the offending field (and column, row or key) and what to do about it.
    It is also a ValueError, as it was before brickyard.core gave every library one base.
    """
