"""Foundation benchmark: how long the Pants workflow takes on this machine.

Measures, each as the median of repeated runs:
- cold bootstrap: `./pants --version` with an empty launcher cache (installs Pants,
  builds the pex CLI);
- cold `./pants test ::`: launcher cache warm, every Pants cache empty;
- warm no-op `./pants test ::`: nothing changed since the previous run;
- one-file change: a comment appended to one ingest module, then `./pants test ::`.

Caches go to a temporary directory so the developer's own caches are left alone.
Usage: python3 tools/benchmarks/pants_timings.py [--runs N] [--cold-runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks_doc import REPO, machine_line, median, write_section

CHANGED_FILE = REPO / "packages" / "ingest" / "src" / "brickyard" / "ingest" / "contracts.py"


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def isolated_env(root: Path, launcher_cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        BRICKYARD_CACHE_DIR=str(launcher_cache),
        PANTS_LOCAL_STORE_DIR=str(root / "lmdb_store"),
        PANTS_NAMED_CACHES_DIR=str(root / "named_caches"),
        PANTS_PANTSD="false",
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of each warm measurement")
    parser.add_argument("--cold-runs", type=int, default=3, help="runs of each cold measurement")
    args = parser.parse_args()

    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="brickyard-bench-") as tmp:
        scratch = Path(tmp)
        launcher_cache = scratch / "launcher"
        for i in range(args.cold_runs):
            shutil.rmtree(launcher_cache, ignore_errors=True)
            env = isolated_env(scratch / f"boot{i}", launcher_cache)
            results.setdefault("cold bootstrap (`./pants --version`)", []).append(
                timed(["./pants", "--version"], env)
            )
            print("cold bootstrap", results["cold bootstrap (`./pants --version`)"][-1], flush=True)
        for i in range(args.cold_runs):
            env = isolated_env(scratch / f"cold{i}", launcher_cache)
            results.setdefault("cold `./pants test ::`", []).append(
                timed(["./pants", "test", "::"], env)
            )
            print("cold test", results["cold `./pants test ::`"][-1], flush=True)
        # Warm measurements use pantsd, as developers do.
        env = isolated_env(scratch / f"cold{args.cold_runs - 1}", launcher_cache)
        env.pop("PANTS_PANTSD")
        timed(["./pants", "test", "::"], env)
        results["warm no-op `./pants test ::`"] = [
            timed(["./pants", "test", "::"], env) for _ in range(args.runs)
        ]
        original = CHANGED_FILE.read_text()
        changes = []
        try:
            for i in range(args.cold_runs):
                CHANGED_FILE.write_text(original + f"\n# benchmark edit {i} {time.time()}\n")
                changes.append(timed(["./pants", "test", "::"], env))
        finally:
            CHANGED_FILE.write_text(original)
        results["one-file change, then `./pants test ::`"] = changes
        # Pants 2.17 has no `kill-pantsd` goal: stop the daemon by its pid file.
        for pid_file in REPO.glob(".pids/*/pantsd/pid"):
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)

    rows = "\n".join(
        f"| {name} | {median(times):.1f} s | {len(times)} | {', '.join(f'{t:.1f}' for t in times)} |"
        for name, times in results.items()
    )
    body = f"""## Pants workflow (tools/benchmarks/pants_timings.py)

Machine: {machine_line()}. Goal: warm no-op under 2 s.

| measurement | median | runs | all runs (s) |
|---|---|---|---|
{rows}
"""
    print(body)
    write_section("pants-timings", body)


if __name__ == "__main__":
    main()
