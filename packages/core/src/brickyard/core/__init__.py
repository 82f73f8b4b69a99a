"""What every Brickyard layer shares: atomic writes, the base error type, the errors of a
failed read or write, exit codes, and the conventions of every command line."""

from brickyard.core.atomic import atomic_files, write_directory, write_file
from brickyard.core.commands import (
    CommandParser,
    configure_logging,
    exits_with,
    progress,
    report_failure,
    require_input,
    run_command,
)
from brickyard.core.errors import (
    BrickyardError,
    CommandError,
    ExitCode,
    ReadError,
    WriteError,
    reading,
)

__all__ = [
    "BrickyardError",
    "CommandError",
    "CommandParser",
    "ExitCode",
    "ReadError",
    "WriteError",
    "atomic_files",
    "configure_logging",
    "exits_with",
    "progress",
    "reading",
    "report_failure",
    "require_input",
    "run_command",
    "write_directory",
    "write_file",
]
