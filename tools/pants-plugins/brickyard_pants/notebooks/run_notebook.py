"""Executes one notebook on a fresh kernel for `./pants test` and writes a JUnit report.

Shipped into the test sandbox by the notebooks plugin and run by the notebook's own
environment (its resolve's requirements), never imported by Pants.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _private_jupyter_dirs(sandbox: Path) -> None:
    # The kernel must not read or write the developer's ~/.jupyter or ~/.ipython.
    home = sandbox / ".notebook-home"
    home.mkdir(exist_ok=True)
    os.environ.update(
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
        MPLCONFIGDIR=str(home / "matplotlib"),
        MPLBACKEND="Agg",
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )


def _junit(path: Path, notebook: str, seconds: float, failure: str | None) -> None:
    suite = ElementTree.Element(
        "testsuite",
        name="notebooks",
        tests="1",
        failures="1" if failure else "0",
        errors="0",
        skipped="0",
        time=f"{seconds:.3f}",
    )
    case = ElementTree.SubElement(
        suite, "testcase", classname="notebooks", name=notebook, time=f"{seconds:.3f}"
    )
    if failure:
        ElementTree.SubElement(case, "failure", message=failure.splitlines()[0]).text = failure
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


class NotebookTimeoutError(Exception):
    """The whole notebook took longer than its timeout."""


def execute(notebook_path: str, timeout: int | None) -> str | None:
    """Runs the notebook, all of it within `timeout` seconds (kernel start included);
    returns None on success or the failure message."""
    notebook = nbformat.read(notebook_path, as_version=4)
    current: dict[str, Any] = {}
    deadline = None if timeout is None else time.monotonic() + timeout

    def on_cell_execute(cell: Any, cell_index: int) -> None:
        current["index"] = cell_index

    def time_left(cell: Any) -> int:
        """What is left of the notebook's time becomes the running cell's timeout."""
        assert deadline is not None
        left = deadline - time.monotonic()
        if left <= 0:
            raise NotebookTimeoutError(
                f"the notebook's timeout of {timeout} s ran out before this cell started"
            )
        return math.ceil(left)  # nbclient reads 0 as "no timeout"; this is at least 1

    client = NotebookClient(
        notebook,
        timeout_func=time_left if deadline is not None else None,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(notebook_path).parent)}},
        on_cell_execute=on_cell_execute,
    )
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError, NotebookTimeoutError) as e:
        index = current.get("index", 0)
        code_number = sum(1 for cell in notebook.cells[: index + 1] if cell.cell_type == "code")
        first_line = next(
            (line for line in notebook.cells[index].source.splitlines() if line.strip()), ""
        )
        detail = _ANSI_ESCAPE.sub("", str(e)).strip()
        if isinstance(e, CellTimeoutError):
            detail = f"the notebook's timeout of {timeout} s (the whole notebook) ran out\n{detail}"
        return (
            f"{notebook_path}: cell {index + 1} (code cell {code_number}, starting"
            f" {first_line!r}) failed: {type(e).__name__}\n{detail}"
        )
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebook")
    parser.add_argument("--junit-xml", type=Path, required=True)
    parser.add_argument("--source-root", action="append", default=[])
    parser.add_argument(
        "--timeout", type=int, default=None, help="seconds the whole notebook may take"
    )
    args = parser.parse_args()

    sandbox = Path.cwd()
    _private_jupyter_dirs(sandbox)
    # The kernel is a plain Python process: it finds the workspace libraries on PYTHONPATH.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        str((sandbox / root).resolve()) for root in args.source_root
    )
    started = time.monotonic()
    failure = execute(args.notebook, args.timeout)
    seconds = time.monotonic() - started
    _junit(args.junit_xml, args.notebook, seconds, failure)
    if failure:
        print(failure, file=sys.stderr)
        return 1
    print(f"{args.notebook}: every cell ran ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
