"""Scale benchmark: Pants against plain pytest on synthetic monorepos of N libraries.

For each N (default 10, 50, 200), tools/monorepo generates N layered libraries with three
tests each (four with --test-seconds) into a scratch directory, then this measures:
- full cold `./pants test ::`: every Pants cache empty (fresh local store and named
  caches, no pantsd), the launcher cache warm (Pants itself is installed once per machine);
- warm no-op `./pants test ::`: pantsd running, nothing changed since the previous run;
- one-leaf change: a comment appended to the module of a library no other library uses,
  then `./pants test ::` (pantsd warm): only that library's test runs again;
- one base change, for contrast: the same edit to lib000 (bottom layer), which re-runs
  the tests of every library that uses it, directly or not;
- plain pytest: one venv with the same pytest, every test file in one `pytest` process
  with every library's src/ on PYTHONPATH. It has no incrementality, so its full run is
  also its cost for a one-leaf change.

Two workloads, each with its own section of docs/benchmarks.md:
- trivial tests (the default, section "monorepo-scale"): plain pytest's full run is nearly
  free, the worst case for Pants' fixed cost per run;
- realistic tests (`--test-seconds S`, section "monorepo-scale-realistic"): each library
  gets a fourth test doing about S s of pure-Python work, calibrated by the generator.
  1.69 s is the median test file of Brickyard's own library packages.

Usage: python3 tools/benchmarks/monorepo_scale.py [--libraries 10 50 200] [--runs N]
       [--test-seconds S] [--pytest-runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from benchmarks_doc import REPO, machine_line, median, write_section

GENERATOR = REPO / "tools" / "monorepo"
LOCKFILE = GENERATOR / "brickyard_monorepo" / "python-default.lock"


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(
            f"{' '.join(argv)} failed in {cwd}:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        )
    return elapsed


def calibrated_iterations(test_seconds: float) -> int:
    """The generator's loop length for `test_seconds` of work, worked out once so that every
    repository of the run carries the same work whatever else the machine did meanwhile."""
    code = (
        "from brickyard_monorepo.writer import workload_iterations; "
        f"print(workload_iterations({test_seconds!r}))"
    )
    env = {**os.environ, "PYTHONPATH": str(GENERATOR)}
    completed = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return int(completed.stdout)


def generate(target: Path, libraries: int, test_seconds: float, iterations: int) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(GENERATOR)}
    # No iterations: the generator's default, trivial tests.
    work = (
        ["--test-seconds", str(test_seconds), "--test-iterations", str(iterations)]
        if iterations
        else []
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "brickyard_monorepo",
            "generate",
            str(target),
            "--libraries",
            str(libraries),
            *work,
        ],
        env=env,
        check=True,
    )
    code = (
        "import json, sys; from brickyard_monorepo.graph import build_graph, dependents; "
        f"g = build_graph({libraries}); "
        "print(json.dumps([dict(name=l.name, layer=l.layer, dependents=len(dependents(g, l.name))) for l in g]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def pytest_venv(scratch: Path) -> Path:
    """A venv with the pytest version the generated lockfile pins."""
    version = re.search(r"/pytest-([0-9.]+)-py3-none-any\.whl", LOCKFILE.read_text()).group(1)
    venv = scratch / "pytest-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "PIP_CONFIG_FILE": "/dev/null"}
    if Path("/etc/ssl/certs/ca-certificates.crt").is_file():
        env.setdefault("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt")
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", f"pytest=={version}"], env=env, check=True
    )
    return venv


def pants_env(store: Path, pantsd: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PANTS_LOCAL_STORE_DIR=str(store / "lmdb_store"),
        PANTS_NAMED_CACHES_DIR=str(store / "named_caches"),
        PANTS_PANTSD="true" if pantsd else "false",
    )
    return env


def stop_pantsd(repo: Path) -> None:
    """Pants 2.17 has no kill-pantsd goal: signal the pantsd this repository started."""
    for pid_file in repo.glob(".pids/*/pantsd/pid"):
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


def measure(
    libraries: int,
    scratch: Path,
    venv: Path,
    runs: int,
    pytest_runs: int,
    test_seconds: float,
    iterations: int,
) -> dict:
    repo = scratch / f"monorepo-{libraries}"
    graph = generate(repo, libraries, test_seconds, iterations)
    store = scratch / f"store-{libraries}"
    results: dict[str, list[float]] = {}
    test = ["./pants", "test", "::"]

    results["cold"] = [timed(test, repo, pants_env(store, pantsd=False))]
    print(f"[{libraries}] cold {results['cold']}", flush=True)

    warm = pants_env(store, pantsd=True)
    timed(test, repo, warm)  # starts pantsd; every result from cache
    results["noop"] = [timed(test, repo, warm) for _ in range(runs)]
    print(f"[{libraries}] warm no-op {results['noop']}", flush=True)
    # The incremental form CI and developers use: only what changed since HEAD, plus dependents.
    changed = ["./pants", "--changed-since=HEAD", "--changed-dependents=transitive", "test"]
    results["noop_changed"] = [timed(changed, repo, warm) for _ in range(runs)]
    print(f"[{libraries}] warm no-op, --changed-since {results['noop_changed']}", flush=True)

    def change(name: str, command: list[str] = test) -> list[float]:
        module = repo / f"libs/{name}/src/gen/{name}/core.py"
        original = module.read_text()
        times = []
        try:
            for i in range(runs):
                module.write_text(original + f"\n# benchmark edit {i} {time.time()}\n")
                times.append(timed(command, repo, warm))
        finally:
            module.write_text(original)
        timed(test, repo, warm)  # back to the committed state, for the next measurement
        return times

    leaf = max((lib for lib in graph if lib["dependents"] == 0), key=lambda lib: lib["layer"])
    results["leaf"] = change(leaf["name"])
    print(f"[{libraries}] leaf change {leaf['name']} {results['leaf']}", flush=True)
    results["leaf_changed"] = change(leaf["name"], changed)
    print(f"[{libraries}] leaf change, --changed-since {results['leaf_changed']}", flush=True)
    base = graph[0]
    results["base"] = change(base["name"])
    print(f"[{libraries}] base change {base['name']} {results['base']}", flush=True)
    stop_pantsd(repo)

    tests = sorted(
        str(p.relative_to(repo)) for p in (repo / "libs").glob("*/tests/gen/*/test_*.py")
    )
    pythonpath = os.pathsep.join(str(p) for p in sorted((repo / "libs").glob("*/src")))
    env = {**os.environ, "PYTHONPATH": pythonpath, "PYTHONDONTWRITEBYTECODE": "1"}
    pytest = [str(venv / "bin" / "pytest"), "-q", "-p", "no:cacheprovider", *tests]
    results["pytest"] = [timed(pytest, repo, env) for _ in range(pytest_runs)]
    print(f"[{libraries}] plain pytest {results['pytest']}", flush=True)

    return {
        "libraries": libraries,
        "layers": max(lib["layer"] for lib in graph) + 1,
        "tests": sum((repo / test).read_text().count("\ndef test_") for test in tests),
        "leaf": leaf["name"],
        "base_dependents": base["dependents"],
        "results": results,
    }


def table(measured: list[dict]) -> str:
    rows = []
    for m in measured:
        r = {key: median(values) for key, values in m["results"].items()}
        noop_goal = "yes" if r["noop"] < 3 else "no"
        leaf_share = r["leaf"] / r["pytest"]
        best_leaf = min(r["leaf"], r["leaf_changed"]) / r["pytest"]
        rows.append(
            f"| {m['libraries']} ({m['layers']} layers, {m['tests']} tests) "
            f"| {r['cold']:.1f} s | {r['noop']:.1f} s / {r['noop_changed']:.1f} s "
            f"| {r['leaf']:.1f} s / {r['leaf_changed']:.1f} s "
            f"| {r['base']:.1f} s ({m['base_dependents'] + 1} of {m['libraries']}) "
            f"| {r['pytest']:.1f} s | {leaf_share:.0%} / {r['leaf_changed'] / r['pytest']:.0%} "
            f"| {noop_goal} | {'yes' if best_leaf < 0.25 else 'no'} |"
        )
    detail = "\n".join(
        f"- {m['libraries']} libraries: "
        + "; ".join(
            f"{key} {', '.join(f'{t:.1f}' for t in values)}" for key, values in m["results"].items()
        )
        for m in measured
    )
    return (
        "Warm no-op and one-leaf change: `./pants test ::` / "
        "`./pants --changed-since=HEAD --changed-dependents=transitive test`. "
        "One base change (lib000, `test ::`): its tests and those of every library using it.\n\n"
        "| libraries | cold `test ::` | warm no-op | one-leaf change | one base change (libraries tested) "
        "| plain pytest, full run | leaf / pytest | no-op < 3 s | leaf < 25% |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n\nAll runs (s):\n\n"
        + detail
        + "\n"
    )


# Brickyard's own suite, from pytest's junit timings of its last full run: the median test
# time of a library package's test file, the weight --test-seconds should be given.
MEDIAN_LIBRARY_TEST_FILE_SECONDS = 1.69


class Workload(NamedTuple):
    """What the generated tests do, and the doc section that reports it."""

    section: str
    title: str
    tests_each: str
    description: str
    base_change: str


def workload(test_seconds: float, iterations: int, measured: list[dict]) -> Workload:
    if test_seconds == 0:
        return Workload(
            section="monorepo-scale",
            title="Monorepo scale",
            tests_each="three pytest tests each",
            description="Workload: trivial tests (arithmetic on small numbers, milliseconds per "
            "library), the worst case for the leaf/pytest ratio; the section "
            '"Monorepo scale, realistic tests" measures tests of real weight.',
            base_change="which costs more than one plain pytest process.",
        )
    per_library = ", ".join(
        f"{median(m['results']['pytest']) / m['libraries']:.2f} s at {m['libraries']}"
        for m in measured
    )
    return Workload(
        section="monorepo-scale-realistic",
        title="Monorepo scale, realistic tests",
        tests_each="four pytest tests each",
        description=f"Workload: realistic tests (`--test-seconds {test_seconds:g}`): each "
        f"library also has a test doing about {test_seconds:g} s of pure-Python work, a loop "
        f"of {iterations:,} iterations (calibrated once on this machine, the same in every "
        "repository of the run) whose result the test checks against a closed form. Why this weight: the test files of Brickyard's own "
        f"library packages take a median of {MEDIAN_LIBRARY_TEST_FILE_SECONDS} s each "
        "(pytest's junit timings of the last full run: 34 test files, 0.0-37.7 s), while the "
        'trivial tests of the "Monorepo scale" section are the worst case for Pants\' fixed '
        f"cost per run. Plain pytest's full run per library, as measured: {per_library} "
        "libraries.",
        base_change="run in parallel on the machine's cores, while plain pytest runs every "
        "test in one process.",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--libraries", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--runs", type=int, default=3, help="runs of each warm measurement")
    parser.add_argument(
        "--pytest-runs",
        type=int,
        help="runs of the plain-pytest full run (default: --runs); 1 is enough when each "
        "run takes minutes, as with --test-seconds",
    )
    parser.add_argument(
        "--test-seconds",
        type=float,
        default=0.0,
        metavar="S",
        help="each library's tests do about S s of work (default 0: trivial tests, section "
        f'"monorepo-scale"; S > 0 writes "monorepo-scale-realistic"; '
        f"{MEDIAN_LIBRARY_TEST_FILE_SECONDS} is Brickyard's median library test file)",
    )
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    parser.add_argument("--note", default="", help="a sentence for the doc, e.g. what else ran")
    args = parser.parse_args()
    if not math.isfinite(args.test_seconds) or args.test_seconds < 0:
        parser.error(f"--test-seconds must be a finite number >= 0, got {args.test_seconds}")
    pytest_runs = args.runs if args.pytest_runs is None else args.pytest_runs
    if pytest_runs < 1:
        parser.error(f"--pytest-runs must be at least 1, got {pytest_runs}")

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="brickyard-scale-") as tmp:
        scratch = args.keep or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        venv = pytest_venv(scratch)
        iterations = calibrated_iterations(args.test_seconds) if args.test_seconds else 0
        print(f"workload loop: {iterations:,} iterations per library", flush=True)
        measured = [
            measure(n, scratch, venv, args.runs, pytest_runs, args.test_seconds, iterations)
            for n in args.libraries
        ]
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    shape = workload(args.test_seconds, iterations, measured)
    pytest_runs_text = "one run" if pytest_runs == 1 else f"{pytest_runs} runs"
    body = f"""## {shape.title} (tools/benchmarks/monorepo_scale.py)

Synthetic monorepos from `tools/monorepo` (N libraries in about log2(N) layers, each using
1-3 libraries below it, {shape.tests_each}), Pants 2.17.1 against plain pytest over
the same tests in one venv. Medians of {args.runs} runs (cold: one run; plain pytest: {pytest_runs_text}).
{shape.description}
Machine: {machine_line()} (load average {load_before:.1f} at the start).
Goals: warm no-op under 3 s at 200 libraries; a one-leaf change under 25% of the plain-pytest full run.
{args.note}

{table(measured)}
How to read it: the warm no-op is Pants' fixed cost per run (client, pantsd, checking
memoized results) and the one-leaf change adds the tests of one library, so neither grows
much with the number of libraries. Plain pytest has no incrementality, so its full run
is also its cost for any change. A change at the bottom layer re-runs every library that
uses it, one sandboxed process per test file, {shape.base_change}
"""
    print(body)
    write_section(shape.section, body)


if __name__ == "__main__":
    main()
