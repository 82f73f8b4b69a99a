from __future__ import annotations

import errno
import json
import logging
from pathlib import Path

import pytest

from brickyard.core import (
    BrickyardError,
    CommandParser,
    ExitCode,
    ReadError,
    configure_logging,
    exits_with,
    progress,
    require_input,
    run_command,
)

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


def _ingest_parser() -> CommandParser:
    parser = CommandParser(prog="ingest")
    check = parser.add_commands().add_parser("check")
    check.add_argument("source")
    return parser


@pytest.mark.parametrize(
    "argv",
    [
        ["--log-format", "json", "check", "a.csv"],
        ["check", "a.csv", "--log-format", "json"],
    ],
)
def test_a_sub_command_takes_the_log_format_before_or_after_its_name(argv: list[str]) -> None:
    args = _ingest_parser().parse_args(argv)
    assert (args.command, args.source, args.log_format) == ("check", "a.csv", "json")


def test_without_a_log_format_the_command_line_leaves_it_to_the_command() -> None:
    assert _ingest_parser().parse_args(["check", "a.csv"]).log_format is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["check"], "ingest check: error: the following arguments are required: source"),
        (["load", "a.csv"], "argument COMMAND: invalid choice: 'load'"),
    ],
)
def test_a_sub_command_usage_error_exits_64(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        _ingest_parser().parse_args(argv)
    assert exited.value.code == ExitCode.USAGE
    assert message in capsys.readouterr().err


def test_exits_with_gives_a_library_error_the_exit_code_the_command_chose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    class ContractProblem(BrickyardError):
        pass

    def work() -> None:
        with exits_with(ExitCode.CONFIG, ContractProblem):
            raise ContractProblem("contract.toml: columns[2].type: unknown type 'text'")

    configure_logging("text")
    assert run_command("ingest check", work, log) == ExitCode.CONFIG
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith(
        "ERROR ingest check failed: contract.toml: columns[2].type: unknown type 'text'"
    )


def test_exits_with_lets_other_errors_keep_their_own_code() -> None:
    with pytest.raises(_StaleInput), exits_with(ExitCode.DATA, ValueError):
        raise _StaleInput("later")


def test_a_missing_input_exits_66_naming_it(tmp_path: Path) -> None:
    assert require_input(tmp_path, "the input") == tmp_path
    with pytest.raises(ReadError) as error:
        require_input(tmp_path / "extract.csv", "the source")
    assert error.value.exit_code == ExitCode.NO_INPUT
    assert str(error.value) == (
        f"cannot read {tmp_path}/extract.csv: No such file or directory; "
        "check the path of the source"
    )


def test_progress_logs_the_start_and_the_seconds_of_long_work(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("json")
    with progress(log, "scoring big.parquet", model="temp_max"):
        pass
    start, done = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert (start["message"], start["model"]) == ("scoring big.parquet ...", "temp_max")
    assert done["message"].startswith("scoring big.parquet done in ")
    assert (done["model"], done["seconds"] >= 0) == ("temp_max", True)
