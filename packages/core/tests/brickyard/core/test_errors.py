import errno
from pathlib import Path

import pytest

from brickyard.core import BrickyardError, ExitCode, ReadError, WriteError, reading


@pytest.mark.parametrize(
    ("code", "exit_code", "advice"),
    [
        (errno.ENOSPC, ExitCode.IO_ERROR, "free space there"),
        (errno.EDQUOT, ExitCode.IO_ERROR, "free space in the quota"),
        (errno.EIO, ExitCode.IO_ERROR, "check the device"),
        (errno.EROFS, ExitCode.CANT_CREATE, "remount it read-write"),
        (errno.EACCES, ExitCode.CANT_CREATE, "give the job's user write permission"),
        (errno.ENOENT, ExitCode.CANT_CREATE, "is missing and cannot be created"),
        (errno.ENOTDIR, ExitCode.CANT_CREATE, "is a file, not a directory"),
    ],
)
def test_write_errors_map_to_the_sysexits_a_scheduler_reads(
    code: int, exit_code: int, advice: str
) -> None:
    error = WriteError(Path("/out/x"), OSError(code, "boom"))
    assert error.exit_code == exit_code
    assert isinstance(error, BrickyardError)
    assert str(error).startswith("cannot write /out/x: boom; ")
    assert advice in str(error)


@pytest.mark.parametrize(
    ("code", "exit_code", "advice"),
    [
        (errno.ENOENT, ExitCode.NO_INPUT, "has been delivered"),
        (errno.EISDIR, ExitCode.NO_INPUT, "it is a directory"),
        (errno.EACCES, ExitCode.NO_INPUT, "give the job's user read permission"),
        (errno.EIO, ExitCode.IO_ERROR, "check the device"),
    ],
)
def test_read_errors_are_no_input_unless_the_device_failed(
    code: int, exit_code: int, advice: str
) -> None:
    error = ReadError(Path("/in/x.csv"), OSError(code, "boom"))
    assert error.exit_code == exit_code
    assert str(error).startswith("cannot read /in/x.csv: boom; ")
    assert advice in str(error)


def test_the_caller_can_say_what_to_do_instead() -> None:
    error = ReadError(Path("/m/current.json"), OSError(errno.ENOENT, "gone"), advice="train first")
    assert str(error) == "cannot read /m/current.json: gone; train first"


def test_reading_names_the_path_of_a_failed_read(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as raised, reading(tmp_path / "absent.csv"):
        (tmp_path / "absent.csv").read_bytes()
    assert raised.value.path == tmp_path / "absent.csv"
    assert raised.value.exit_code == ExitCode.NO_INPUT
    with pytest.raises(ReadError, match="it is a directory"), reading(tmp_path):
        tmp_path.open("rb")


def test_exit_codes_are_the_bsd_sysexits_values() -> None:
    assert [int(code) for code in ExitCode] == [0, 1, 64, 65, 66, 73, 74, 75, 78]
