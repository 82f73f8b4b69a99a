from __future__ import annotations

import errno
import json
import logging

import pytest

from brickyard.core import BrickyardError, CommandParser, ExitCode, configure_logging, run_command

log = logging.getLogger("brickyard.test")


class _StaleInput(BrickyardError):
    exit_code = ExitCode.TEMPORARY


def _raise(error: BaseException) -> None:
    raise error


def test_json_lines_carry_extra_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json")
    log.info("step done", extra={"step": "features", "rows": 3})
    entry = json.loads(capsys.readouterr().err.strip())
    assert (entry["message"], entry["level"], entry["step"], entry["rows"]) == (
        "step done",
        "info",
        "features",
        3,
    )


def test_a_usage_error_prints_the_usage_and_exits_64(capsys: pytest.CaptureFixture[str]) -> None:
    parser = CommandParser(prog="check")
    parser.add_argument("source")
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["a.csv", "--log-format", "xml"])
    assert exited.value.code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith("usage: check [-h] [--log-format {text,json}] source")
    assert "check: error: argument --log-format: invalid choice: 'xml'" in err


def test_a_user_error_is_its_exit_code_and_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("text")
    code = run_command("daily", lambda: _raise(_StaleInput("no data for 2016-01-05 yet")), log)
    assert code == ExitCode.TEMPORARY
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("ERROR daily failed: no data for 2016-01-05 yet")


def test_json_logs_keep_the_traceback_as_a_field(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json")
    run_command("daily", lambda: _raise(_StaleInput("later")), log)
    entry = json.loads(capsys.readouterr().err)
    assert entry["exit_code"] == 75
    assert "Traceback" in entry["traceback"] and "_StaleInput: later" in entry["traceback"]


@pytest.mark.parametrize(
    ("code", "exit_code"),
    [(errno.ENOSPC, ExitCode.IO_ERROR), (errno.EROFS, ExitCode.CANT_CREATE)],
)
def test_an_unclassified_os_error_still_gets_a_sysexits_code(
    code: int, exit_code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("text")
    error = OSError(code, "device says no", "/out/.locks")
    assert run_command("train", lambda: _raise(error), log) == exit_code
    assert "train failed: [Errno" in capsys.readouterr().err


def test_a_bug_exits_1_with_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("text")
    assert run_command("train", lambda: _raise(KeyError("oops")), log) == ExitCode.FAILURE
    err = capsys.readouterr().err
    assert "train failed with an unexpected error (a bug: please report it)" in err
    assert "KeyError: 'oops'" in err
