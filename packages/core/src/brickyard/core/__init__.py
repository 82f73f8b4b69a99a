"""What every Brickyard layer shares: atomic writes, the base error type, the errors of a
failed read or write, exit codes, and the conventions of every command line."""

from brickyard.core.atomic import atomic_files, write_directory, write_file
from brickyard.core.commands import (
    CommandParser,
    configure_logging,
    report_failure,
    run_command,
)
from brickyard.core.errors import BrickyardError, ExitCode, ReadError, WriteError, reading

__all__ = [
    "BrickyardError",
    "CommandParser",
    "ExitCode",
    "ReadError",
    "WriteError",
    "atomic_files",
    "configure_logging",
    "reading",
    "report_failure",
    "run_command",
    "write_directory",
    "write_file",
]
