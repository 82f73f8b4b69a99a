"""What every Brickyard layer shares: atomic writes, the base error type and exit codes."""

from brickyard.core.atomic import atomic_files, write_directory, write_file
from brickyard.core.errors import BrickyardError, ExitCode, WriteError

__all__ = [
    "BrickyardError",
    "ExitCode",
    "WriteError",
    "atomic_files",
    "write_directory",
    "write_file",
]
