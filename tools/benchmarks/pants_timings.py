"""The developer loop, before and after: how long Pants takes on this repository.

For each revision (a baseline and the one checked out), on a fresh clone with an empty
HOME (so no launcher, Pants, pex or pip cache), measures:
- cold bootstrap: the first `./pants --version` (installs Pants, builds the pex CLI);
- cold `./pants test ::`: every Pants cache empty, bootstrap done;
- warm no-op `./pants test ::` with pantsd, nothing changed (median of --runs);
- one-line change in an ingest module, then `./pants test ::` (pantsd warm);
- one-line change in a reporting module, then `./pants test ::` (pantsd warm);
- with --ci, a cold `.ci/run` on another fresh clone with another empty HOME;
and, from the cold run's JUnit reports, the pytest-reported time summed over all test
targets and the ten slowest targets. Both revisions are measured in the same run, one
after the other, and written side by side to docs/benchmarks.md.

Usage: python3 tools/benchmarks/pants_timings.py --baseline REV [--runs N] [--ci]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks_doc import REPO, machine_line, median, write_section

INGEST_MODULE = "packages/ingest/src/brickyard/ingest/contracts.py"
REPORTING_MODULE = "packages/reporting/src/brickyard/reporting/summary.py"
GOALS = {
    "ingest change": 45.0,
    "pytest time summed": 150.0,
    "cold test": 300.0,
    "warm no-op": 1.5,
    "cold .ci/run": 480.0,
}
# Pants' per-target result line; memoized and cached results say so in parentheses.
_RESULT = re.compile(r"^[✓✕] (\S+) (?:succeeded|failed) in [\d.]+s(?P<reuse> \(.*\))?", re.M)


@dataclass
class Side:
    name: str
    revision: str
    env: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)
    rerun: dict[str, int] = field(default_factory=dict)  # targets actually run, per change
    targets: int = 0
    pytest_seconds: float = 0.0
    slowest: list[tuple[float, str]] = field(default_factory=list)


def _environment(home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PANTS_", "BRICKYARD_", "XDG_CACHE"))
    }
    env["HOME"] = str(home)
    return env


def _clone(revision: str, directory: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(REPO), str(directory)], check=True)
    subprocess.run(["git", "-C", str(directory), "checkout", "-q", revision], check=True)
    return directory


def _timed(
    argv: list[str], cwd: Path, env: dict[str, str], check: bool = True
) -> tuple[float, str]:
    start = time.perf_counter()
    completed = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    seconds = time.perf_counter() - start
    if check and completed.returncode != 0:
        tail = "\n".join(completed.stdout.splitlines()[-30:])
        raise SystemExit(f"{' '.join(argv)} failed in {cwd} (exit {completed.returncode}):\n{tail}")
    return seconds, completed.stdout


def _ran(output: str) -> int:
    """Test targets that really ran (neither memoized nor cached) in a `./pants test` output."""
    return sum(1 for match in _RESULT.finditer(output) if not match["reuse"])


def _reports(clone: Path) -> list[tuple[float, str]]:
    """(pytest-reported seconds, target) for each JUnit report of the last test run."""
    rows = []
    for report in (clone / "dist" / "test" / "reports").glob("*.xml"):
        root = ET.parse(report).getroot()
        suites = [root] if root.tag == "testsuite" else list(root)
        rows.append((sum(float(s.get("time", 0)) for s in suites), report.stem))
    return sorted(rows, reverse=True)


def _stop_pantsd(clone: Path) -> None:
    # Pants 2.17 has no `kill-pantsd` goal: stop the daemon by its pid file.
    for pid_file in clone.glob(".pids/*/pantsd/pid"):
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


def _change(clone: Path, path: str, side: Side, label: str) -> None:
    module = clone / path
    original = module.read_text()
    module.write_text(original + f"\n# benchmark edit {time.time()}\n")
    try:
        seconds, output = _timed(["./pants", "test", "::"], clone, side.env)
    finally:
        module.write_text(original)
    side.seconds[label] = [seconds]
    side.rerun[label] = _ran(output)
    print(f"{side.name}: {label} {seconds:.1f} s, {side.rerun[label]} targets run", flush=True)


def measure(side: Side, scratch: Path, runs: int, ci: bool) -> None:
    clone = _clone(side.revision, scratch / side.name / "repo")
    side.env = _environment(scratch / side.name / "home")
    try:
        seconds, _ = _timed(["./pants", "--version"], clone, side.env)
        side.seconds["cold bootstrap"] = [seconds]
        print(f"{side.name}: cold bootstrap {seconds:.1f} s", flush=True)
        seconds, output = _timed(["./pants", "test", "::"], clone, side.env)
        side.seconds["cold test"] = [seconds]
        side.targets = _ran(output)
        reports = _reports(clone)
        side.pytest_seconds = sum(seconds for seconds, _ in reports)
        side.slowest = reports[:10]
        print(f"{side.name}: cold test {seconds:.1f} s, {side.targets} targets", flush=True)
        side.seconds["warm no-op"] = [
            _timed(["./pants", "test", "::"], clone, side.env)[0] for _ in range(runs)
        ]
        print(f"{side.name}: warm no-op {side.seconds['warm no-op']}", flush=True)
        _change(clone, INGEST_MODULE, side, "ingest change")
        _timed(["./pants", "test", "::"], clone, side.env)  # back to the original, memoized
        _change(clone, REPORTING_MODULE, side, "reporting change")
    finally:
        _stop_pantsd(clone)
    if ci:
        ci_clone = _clone(side.revision, scratch / side.name / "ci-repo")
        env = _environment(scratch / side.name / "ci-home")
        seconds, _ = _timed(["bash", ".ci/run"], ci_clone, env, check=False)
        side.seconds["cold .ci/run"] = [seconds]
        print(f"{side.name}: cold .ci/run {seconds:.1f} s", flush=True)
        _stop_pantsd(ci_clone)


def _cell(side: Side, label: str) -> str:
    times = side.seconds.get(label)
    if not times:
        return "-"
    text = f"{median(times):.1f} s"
    if label in side.rerun:
        text += f" ({side.rerun[label]} targets run)"
    return text


def report(before: Side, after: Side, load_before: float) -> str:
    labels = [
        ("cold bootstrap", "cold bootstrap (`./pants --version`, empty HOME)"),
        ("cold test", "cold `./pants test ::` (empty caches, bootstrap done)"),
        ("warm no-op", "warm no-op `./pants test ::`"),
        ("ingest change", f"one-line change in `{INGEST_MODULE}`, then `test ::`"),
        ("reporting change", f"one-line change in `{REPORTING_MODULE}`, then `test ::`"),
        ("cold .ci/run", "cold `.ci/run` (fresh clone, empty HOME)"),
    ]
    rows = [
        f"| {text} | {_cell(before, label)} | {_cell(after, label)} | "
        + (f"≤ {GOALS[label]:g} s" if label in GOALS else "")
        + " |"
        for label, text in labels
        if label in before.seconds or label in after.seconds
    ]
    rows.append(
        f"| pytest-reported time summed over {before.targets} / {after.targets} test targets | "
        f"{before.pytest_seconds:.1f} s | {after.pytest_seconds:.1f} s | "
        f"≤ {GOALS['pytest time summed']:g} s |"
    )
    slowest = "\n".join(
        f"| {i + 1} | {b[1]} | {b[0]:.1f} s | {a[1]} | {a[0]:.1f} s |"
        for i, (b, a) in enumerate(zip(before.slowest, after.slowest, strict=False))
    )
    warm = ", ".join(
        f"{side.name} {', '.join(f'{t:.1f}' for t in side.seconds['warm no-op'])}"
        for side in (before, after)
    )
    return f"""## Pants workflow (tools/benchmarks/pants_timings.py)

Each revision on a fresh clone with an empty HOME (no launcher, Pants, pex or pip cache),
measured one after the other in the same run: before = `{before.revision}`, after =
`{after.revision}`. Warm figures with pantsd, as developers work; the no-op is the median
of {len(after.seconds["warm no-op"])} runs ({warm}).
Machine: {machine_line()} (load average {load_before:.1f} at the start).

| measurement | before | after | goal |
|---|---|---|---|
{chr(10).join(rows)}

The ten slowest test targets of the cold run (pytest-reported time):

| # | before | time | after | time |
|---|---|---|---|---|
{slowest}
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", required=True, help="the revision to compare with")
    parser.add_argument("--runs", type=int, default=5, help="runs of the warm no-op")
    parser.add_argument("--ci", action="store_true", help="also time a cold .ci/run of each")
    args = parser.parse_args()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    load_before = os.getloadavg()[0]
    before, after = Side("before", args.baseline), Side("after", head)
    with tempfile.TemporaryDirectory(prefix="brickyard-bench-") as tmp:
        for side in (before, after):
            measure(side, Path(tmp), args.runs, args.ci)
    body = report(before, after, load_before)
    print(body)
    write_section("pants-timings", body)


if __name__ == "__main__":
    main()
