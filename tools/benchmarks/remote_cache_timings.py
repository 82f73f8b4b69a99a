"""Remote cache benchmark: cold `./pants test ::` against one served from the remote cache.

Every run starts with empty Pants caches (local store, named caches, no pantsd), as on a
fresh CI machine or a new laptop. Measured:
- cold: no remote cache, everything built and run locally;
- populate: the same, writing every result to an empty remote cache (run once);
- remote hit: the remote cache holds the results of the same commit.
Cold and remote-hit runs alternate, so a change in machine load hits both alike, and the
section of docs/benchmarks.md is rewritten after each pair. The cache server is a private
one (tools/remote-cache/remote_cache.py) in a temporary directory on a free port, always
stopped at the end, unless --server names one that is already populated.
Usage: python3 tools/benchmarks/remote_cache_timings.py [--runs N] [--keep-logs DIR]
           [--server grpc://HOST:PORT]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks_doc import REPO, machine_line, median, write_section

SERVER = [sys.executable, str(REPO / "tools" / "remote-cache" / "remote_cache.py")]
TEST = ["./pants", "--stats-log", "test", "::"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_env(root: Path, address: str | None, team: bool = False) -> dict[str, str]:
    # The shell's remote cache settings (instance name, credentials) apply only to --server.
    env = {
        key: value
        for key, value in os.environ.items()
        if team or not key.startswith("PANTS_REMOTE_")
    }
    env.update(
        PANTS_LOCAL_STORE_DIR=str(root / "lmdb_store"),
        PANTS_NAMED_CACHES_DIR=str(root / "named_caches"),
        PANTS_PANTSD="false",
        BRICKYARD_REMOTE_CACHE="1" if address else "0",
    )
    if address:
        env["PANTS_REMOTE_STORE_ADDRESS"] = address
    return env


def timed_run(name: str, env: dict[str, str], logs: Path) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(TEST, cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    output = result.stdout + result.stderr
    (logs / f"{name}.log").write_text(output)
    if result.returncode != 0:
        raise SystemExit(
            f"{name}: `./pants test ::` failed (exit {result.returncode}); see {logs}/{name}.log"
        )
    print(f"{name}: {elapsed:.1f} s, load {os.getloadavg()[0]:.1f}", flush=True)
    return elapsed, output


def counter(output: str, name: str) -> int:
    found = re.search(rf"^\s*{name}: (\d+)$", output, re.MULTILINE)
    return int(found.group(1)) if found else 0


def times(values: list[float]) -> str:
    return ", ".join(f"{t:.1f}" for t in values)


def report(
    cold: list[float], hits: list[float], populate: float | None, loads: list[float], last_hit: str
) -> None:
    """Write the section; called after every cold/hit pair, so an interrupted run still counts."""
    tests = len(re.findall(r"^✓ .* succeeded in", last_hit, re.MULTILINE))
    remote = len(re.findall(r"^✓ .*\(cached remotely\)\.$", last_hit, re.MULTILINE))
    lookups = counter(last_hit, "remote_cache_requests")
    found = counter(last_hit, "remote_cache_requests_cached")
    populate_row = (
        f"| cold, writing to an empty remote cache | {populate:.1f} s | 1 | {populate:.1f} |\n"
        if populate is not None
        else ""
    )
    body = f"""## Remote cache (tools/benchmarks/remote_cache_timings.py)

`./pants test ::` with empty local Pants caches and no pantsd each time, as on a fresh CI
machine or laptop: cold (no remote cache) against remote hit (a BuildGrid from
tools/remote-cache holding the results of the same commit). Cold and remote-hit runs
alternated. Machine: {machine_line()} (between {min(loads):.1f} and {max(loads):.1f}
after each run). Goal: a remote-hit run under 40% of the cold run.

| measurement | median | runs | all runs (s) |
|---|---|---|---|
| cold `./pants test ::` (no remote cache) | {median(cold):.1f} s | {len(cold)} | {times(cold)} |
{populate_row}| remote hit `./pants test ::` | {median(hits):.1f} s | {len(hits)} | {times(hits)} |

Remote hit / cold: **{median(hits) / median(cold):.0%}**. In the last remote-hit run
{remote} of {tests} test files reported `(cached remotely)` and {found} of {lookups}
remote cache lookups were hits.
"""
    print(body, flush=True)
    write_section("remote-cache", body)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="cold and remote-hit runs each")
    parser.add_argument("--keep-logs", type=Path, help="keep each run's Pants output here")
    parser.add_argument(
        "--server",
        help="an already populated cache (e.g. grpc://127.0.0.1:50051, or a team server): "
        "no private server, no populate run",
    )
    args = parser.parse_args()

    cold: list[float] = []
    hits: list[float] = []
    loads: list[float] = []
    populate: float | None = None
    with tempfile.TemporaryDirectory(prefix="brickyard-remote-bench-") as tmp:
        scratch = Path(tmp)
        logs = args.keep_logs or scratch / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        port = free_port()
        state = [
            *("--state-dir", str(scratch / "server"), "--port", str(port)),
            *("--redis-port", str(free_port())),
        ]
        address = args.server or f"grpc://127.0.0.1:{port}"
        if not args.server:
            subprocess.run([*SERVER, "start", *state], check=True)
        try:
            if not args.server:
                populate, _ = timed_run("populate", fresh_env(scratch / "populate", address), logs)
            for i in range(args.runs):
                cold.append(timed_run(f"cold{i}", fresh_env(scratch / f"cold{i}", None), logs)[0])
                loads.append(os.getloadavg()[0])
                elapsed, output = timed_run(
                    f"hit{i}", fresh_env(scratch / f"hit{i}", address, team=bool(args.server)), logs
                )
                hits.append(elapsed)
                loads.append(os.getloadavg()[0])
                report(cold, hits, populate, loads, output)
        finally:
            if not args.server:
                subprocess.run([*SERVER, "stop", *state], check=False)


if __name__ == "__main__":
    main()
