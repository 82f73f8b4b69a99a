"""Keep docs/benchmarks.md as one file with a section per benchmark script.

Each script owns the text between its own markers, so re-running one benchmark
refreshes its table without touching the others.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# From the working directory, not __file__: under `./pants run` the script runs from a
# sandboxed copy, while the working directory is still the repo.
REPO = Path(
    subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
    ).stdout.strip()
)
# Most scripts run with plain python3 (they drive ./pants themselves); brickyard.core needs
# no third-party package, so its sources import as they are. Under `./pants run` the copy
# Pants bundles comes first on the path.
sys.path.append(str(REPO / "packages/core/src"))

from brickyard.core import write_file  # noqa: E402

BENCHMARKS_MD = REPO / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nEach section is written by the script it names; re-run it to refresh.\n"


def machine_line() -> str:
    # The load average tells a reader whether other work shared the machine.
    load = os.getloadavg()[0]
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {load:.1f} at the end"
    )


def in_fresh_process(function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """`function(*args)` in a newly spawned interpreter, so that its peak memory (max RSS)
    is its own and nothing it imports is already warm. `function` must be module-level."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_call_into, args=(queue, function, args))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    return result


def _call_into(queue: Any, function: Callable[..., dict[str, Any]], args: tuple[Any, ...]) -> None:
    queue.put(function(*args))


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_section(name: str, body: str) -> Path:
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    text = BENCHMARKS_MD.read_text() if BENCHMARKS_MD.exists() else HEADER
    section = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        _, after = rest.split(end, 1)
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    return write_file(BENCHMARKS_MD, text)
