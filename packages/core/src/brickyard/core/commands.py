"""The conventions every Brickyard command line follows, written once.

- `CommandParser`: argparse whose usage errors print the usage and exit 64 (EX_USAGE),
  with `--log-format text|json` on every command.
- `configure_logging`: readable lines for people, or one JSON object per line for log
  collectors, where `extra={...}` fields become keys.
- `run_command`: runs the command's work and turns every way it can end into an exit code
  and one log line: a `BrickyardError` ends with its own code, an operating-system error
  that escaped classification with 74 or 73 (and the path it names), Ctrl-C with 130, and
  anything else, a bug, with 1 and the traceback. For the errors a user can act on the
  traceback is logged only at debug level, and as the `traceback` field of a JSON line.
- `exits_with` and `require_input`: how a command says what a library's failure, or a
  missing input (66), means for its user, as a `CommandError` with that exit code.
- `progress`: a log line when long work starts and one, with the seconds, when it ends.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, NoReturn

from brickyard.core.errors import BrickyardError, CommandError, ExitCode, ReadError

__all__ = [
    "LOG_FORMATS",
    "CommandParser",
    "LogFormat",
    "configure_logging",
    "exits_with",
    "progress",
    "report_failure",
    "require_input",
    "run_command",
]

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")

_STANDARD_ATTRIBUTES = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_CANNOT_CREATE = {errno.EROFS, errno.EACCES, errno.EPERM}


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit 64, with `--log-format` already added.

    `args.log_format` is None when the command line does not say.
    """

    # What --log-format leaves in the namespace when it is not given.
    _log_format_unset: Any = None

    def __init__(self, *args: Any, log_format_default: str = "text", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument(
            "--log-format",
            choices=LOG_FORMATS,
            default=self._log_format_unset,
            help=f"readable text or JSON lines for log collectors (default: {log_format_default})",
        )

    def add_commands(self) -> argparse._SubParsersAction[CommandParser]:
        """Sub-commands (`ingest check ...`; the one chosen is `args.command`), each a
        CommandParser of its own: usage errors exit 64, and `--log-format` may come before or
        after the sub-command's name."""
        return self.add_subparsers(
            parser_class=_SubCommandParser, dest="command", metavar="COMMAND", required=True
        )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message}\n")


class _SubCommandParser(CommandParser):
    # Left out of its namespace when not given, so that it does not undo a --log-format
    # given before the sub-command's name (argparse copies a sub-command's values over).
    _log_format_unset = argparse.SUPPRESS


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line; `extra={...}` fields become top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _STANDARD_ATTRIBUTES
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, sort_keys=True)


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonLinesFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def run_command(name: str, work: Callable[[], object], log: logging.Logger) -> int:
    """Run `work()` and return the exit code the way it ended deserves (see the module doc)."""
    try:
        work()
    except (BrickyardError, OSError) as error:
        return report_failure(log, name, error)
    except KeyboardInterrupt:
        log.error("%s interrupted", name)
        return 130
    except Exception:
        log.exception("%s failed with an unexpected error (a bug: please report it)", name)
        return int(ExitCode.FAILURE)
    return int(ExitCode.OK)


def report_failure(log: logging.Logger, name: str, error: BrickyardError | OSError) -> int:
    """Log `error` as one line a person can act on and return its exit code; the traceback
    goes only to debug level and to log collectors (the `traceback` field of a JSON line)."""
    if isinstance(error, BrickyardError):
        code = error.exit_code
    else:
        code = ExitCode.CANT_CREATE if error.errno in _CANNOT_CREATE else ExitCode.IO_ERROR
    trace = "".join(traceback.format_exception(error))
    log.error("%s failed: %s", name, error, extra={"exit_code": int(code), "traceback": trace})
    log.debug("%s", trace)
    return int(code)


@contextmanager
def exits_with(exit_code: ExitCode, *errors: type[Exception]) -> Iterator[None]:
    """Raise any of `errors` from the block as a `CommandError` with the same message that ends
    the command with `exit_code`: how a command says what a library's failure means for its
    user (the same `IngestError` is bad data to one command and a missing state to another)."""
    try:
        yield
    except errors as error:
        raise CommandError(str(error), exit_code) from error


def require_input(path: Path, what: str) -> Path:
    """`path`, if it exists; else the ReadError of a missing file, naming `what` in its
    advice, which exits 66 (EX_NOINPUT) before any work starts."""
    if not path.exists():
        missing = FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
        raise ReadError(path, missing, advice=f"check the path of {what}")
    return path


@contextmanager
def progress(log: logging.Logger, what: str, **fields: Any) -> Iterator[None]:
    """Log `what ...` when the block starts and `what done in N.Ns` when it ends, so long work
    is seen to move; a JSON line carries `fields` and `seconds` as keys."""
    log.info("%s ...", what, extra=fields)
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    log.info("%s done in %.1fs", what, seconds, extra={**fields, "seconds": round(seconds, 3)})
