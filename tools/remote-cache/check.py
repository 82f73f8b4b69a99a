"""End-to-end check of the shared remote cache, run by .ci/run.

Starts a private cache server (remote_cache.py, temporary state dir, free ports, a named
REAPI instance) and runs `./pants test` on a subset of the repo, each run with an empty local
store (Pants' local cache of results) and no pantsd, so no result can be reused locally:
  1. populates the remote cache (everything runs locally and is written);
  2. a fresh run gets every test result from the remote cache;
  3. after a server restart, another fresh run still does (persistent storage);
  4. with the server stopped, a fresh run passes locally, with exactly one warning line
     about the cache.
Downloaded wheels (Pants' named caches) are shared by the runs: they hold no results.
Fails (exit 1) on any unmet expectation; always stops the server. Test reports go to
dist/remote-cache-check/, so they never mix with those of the main `./pants test ::`.
Usage: python3 tools/remote-cache/check.py [--targets SPEC ...] [--keep-logs DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SERVER = [sys.executable, str(HERE / "remote_cache.py")]
INSTANCE = "brickyard-check"
REPORTS = "dist/remote-cache-check"
# A batch of test files sharing one pytest process is one line: "✓ a.py:tests and 2 other
# files succeeded in ...".
PASSED = re.compile(
    r"^✓ (\S+)(?: and \d+ other files?)? succeeded in [0-9.]+s"
    r"(?: \((cached remotely|cached locally|memoized)\))?\.$"
)
FAILED = re.compile(r"^✕ (\S+)(?: and \d+ other files?)? failed")


class CheckFailed(Exception):
    pass


@dataclass(frozen=True)
class Run:
    name: str
    output: str
    seconds: float
    passed: dict[str, str]  # test target -> "" (ran) or where its result came from
    failed: list[str]

    def counter(self, name: str) -> int:
        found = re.search(rf"^\s*{name}: (\d+)$", self.output, re.MULTILINE)
        return int(found.group(1)) if found else 0

    def remote_hits(self) -> int:
        return sum(1 for source in self.passed.values() if source == "cached remotely")

    def cache_warnings(self) -> list[str]:
        return [
            line
            for line in self.output.splitlines()
            if ("[WARN]" in line or line.startswith("brickyard: warning"))
            and "remote" in line.lower()
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Check:
    def __init__(self, scratch: Path, targets: list[str], logs: Path) -> None:
        self.scratch = scratch
        self.targets = targets
        self.logs = logs
        self.port = free_port()
        self.server_args = ["--state-dir", str(scratch / "server"), "--port", str(self.port)]
        self.server_args += ["--redis-port", str(free_port()), "--instance-name", INSTANCE]

    def server(self, command: str) -> None:
        subprocess.run([*SERVER, command, *self.server_args], check=True)

    def pants(self, name: str) -> Run:
        root = self.scratch / name
        # Each run gets an empty local store (Pants' cache of process results), so no
        # result can come from an earlier run except through the remote cache. The named
        # caches (downloaded wheels, pex installs) stay shared: they hold no results, and
        # re-downloading the same wheels four times would only cost minutes.
        # A team cache configured in this shell must not leak into these runs.
        env = {
            key: value for key, value in os.environ.items() if not key.startswith("PANTS_REMOTE_")
        }
        env.update(
            BRICKYARD_REMOTE_CACHE="1",
            PANTS_REMOTE_STORE_ADDRESS=f"grpc://127.0.0.1:{self.port}",
            PANTS_REMOTE_INSTANCE_NAME=INSTANCE,
            PANTS_LOCAL_STORE_DIR=str(root / "lmdb_store"),
            PANTS_PANTSD="false",
            # Relative to the build root (Pants insists); not dist/test/reports, which CI counts.
            PANTS_TEST_REPORT_DIR=f"{REPORTS}/{name}",
        )
        start = time.perf_counter()
        result = subprocess.run(
            ["./pants", "--stats-log", "test", *self.targets],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        output = result.stdout + result.stderr
        (self.logs / f"{name}.log").write_text(output)
        passed: dict[str, str] = {}
        failed: list[str] = []
        for line in output.splitlines():
            if ok := PASSED.match(line):
                passed[ok.group(1)] = ok.group(2) or ""
            elif bad := FAILED.match(line):
                failed.append(bad.group(1))
        run = Run(name, output, seconds, passed, failed)
        expect(
            result.returncode == 0 and not failed and bool(passed),
            f"{name}: `./pants test` exited {result.returncode} with {len(passed)} passed and "
            f"failures {failed}; see {self.logs}/{name}.log",
        )
        return run

    def expect_all_remote(self, run: Run) -> None:
        hits, lookups = (
            run.counter("remote_cache_requests_cached"),
            run.counter("remote_cache_requests"),
        )
        print(
            f"{run.name}: {run.remote_hits()}/{len(run.passed)} test results cached remotely, "
            f"{hits}/{lookups} remote cache lookups hit, {run.seconds:.0f} s",
            flush=True,
        )
        expect(
            run.remote_hits() == len(run.passed),
            f"{run.name}: expected every test result from the remote cache, got "
            f"{ {target: source or 'ran' for target, source in run.passed.items()} }",
        )
        expect(
            hits == lookups > 0,
            f"{run.name}: expected every remote lookup to hit, got {hits}/{lookups}",
        )
        expect(
            run.counter("remote_cache_read_errors") == 0 and not run.cache_warnings(),
            f"{run.name}: unexpected remote cache errors or warnings: {run.cache_warnings()}",
        )

    def run(self) -> None:
        self.server("start")
        try:
            first = self.pants("1-populate")
            written = first.counter("remote_cache_write_successes")
            print(
                f"{first.name}: {len(first.passed)} test processes ran locally, {written} results "
                f"written to the remote cache, {first.seconds:.0f} s",
                flush=True,
            )
            expect(
                written > 0 and first.counter("remote_cache_write_errors") == 0,
                f"{first.name}: expected results written to the remote cache without errors",
            )
            self.expect_all_remote(self.pants("2-fresh"))
            self.server("stop")
            self.server("start")
            self.expect_all_remote(self.pants("3-after-restart"))
        finally:
            self.server("stop")
        down = self.pants("4-server-down")
        warnings = down.cache_warnings()
        print(
            f"{down.name}: {len(down.passed)} test processes passed, "
            f"{sum(1 for s in down.passed.values() if s == '')} ran locally, {down.seconds:.0f} s; "
            f"warnings: {warnings}",
            flush=True,
        )
        expect(
            len(warnings) == 1 and "remote cache" in warnings[0],
            f"{down.name}: expected exactly one remote cache warning, got {warnings}",
        )
        expect(
            all(source == "" for source in down.passed.values()),
            f"{down.name}: expected every test to run locally, got {down.passed}",
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--targets",
        nargs="+",
        # Two test files keep the four runs short in CI; any spec works.
        default=[
            "packages/ingest/tests/brickyard/ingest/test_contracts.py",
            "packages/ingest/tests/brickyard/ingest/test_watermark.py",
        ],
        help="what to test (default: two ingest test files)",
    )
    parser.add_argument("--keep-logs", type=Path, help="keep each run's Pants output here")
    args = parser.parse_args()
    shutil.rmtree(REPO / REPORTS, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="brickyard-remote-check-") as tmp:
        scratch = Path(tmp)
        logs = args.keep_logs or scratch / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        try:
            Check(scratch, args.targets, logs).run()
        except CheckFailed as failure:
            print(f"remote-cache check: FAILED: {failure}", file=sys.stderr)
            if not args.keep_logs:
                print("(re-run with --keep-logs DIR to keep the Pants output)", file=sys.stderr)
            return 1
    print("remote-cache check: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
