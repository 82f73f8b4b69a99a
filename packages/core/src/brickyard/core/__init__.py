"""What every Brickyard layer shares: atomic writes, the base error type and exit codes, and
the conventions of every command line."""

from brickyard.core.atomic import atomic_files, write_directory, write_file
from brickyard.core.commands import (
    CommandParser,
    configure_logging,
    report_failure,
    run_command,
)
from brickyard.core.errors import BrickyardError, ExitCode, WriteError

__all__ = [
    "BrickyardError",
    "CommandParser",
    "ExitCode",
    "WriteError",
    "atomic_files",
    "configure_logging",
    "report_failure",
    "run_command",
    "write_directory",
    "write_file",
]
