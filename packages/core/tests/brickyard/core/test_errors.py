import errno
from pathlib import Path

import pytest

from brickyard.core import BrickyardError, ExitCode, WriteError


@pytest.mark.parametrize(
    ("code", "exit_code"),
    [
        (errno.ENOSPC, ExitCode.IO_ERROR),
        (errno.EDQUOT, ExitCode.IO_ERROR),
        (errno.EIO, ExitCode.IO_ERROR),
        (errno.EROFS, ExitCode.CANT_CREATE),
        (errno.EACCES, ExitCode.CANT_CREATE),
        (errno.ENOENT, ExitCode.CANT_CREATE),
    ],
)
def test_write_errors_map_to_the_sysexits_a_scheduler_reads(code: int, exit_code: int) -> None:
    error = WriteError(Path("/out/x"), OSError(code, "boom"))
    assert error.exit_code == exit_code
    assert isinstance(error, BrickyardError)
    assert str(error).startswith("cannot write /out/x: boom; ")


def test_exit_codes_are_the_bsd_sysexits_values() -> None:
    assert [int(code) for code in ExitCode] == [0, 1, 64, 65, 66, 73, 74, 75, 78]
