"""Ingest's property tests at their thorough profile: how many generated files held the
invariants, and how long it took.

`./pants test` runs packages/ingest/tests/brickyard/ingest/test_properties.py with a few
examples per property, so that the suite stays fast; this script runs the same tests with
BRICKYARD_HYPOTHESIS_PROFILE=thorough (thousands of examples per property, over 10,000 in
all), forced past Pants' cache and the test timeout, and writes the example counts from
Hypothesis' own statistics to docs/benchmarks.md. It exits non-zero if a property failed.

    python3 tools/benchmarks/ingest_properties.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from benchmarks_doc import REPO, machine_line, write_section

TESTS = "packages/ingest/tests/brickyard/ingest/test_properties.py"
# Hypothesis' statistics: a block per test, headed by the test's node id.
TEST_HEADER = re.compile(r"^(?:\S*::)?(test_\w+):$", re.M)
EXAMPLES = re.compile(
    r"- during generate phase \((?P<seconds>[\d.]+) seconds\):.*?"
    r"- (?P<passing>\d+) passing, (?P<failing>\d+) failing, and (?P<invalid>\d+) invalid "
    r"test cases",
    re.S,
)


def run_thorough() -> tuple[int, str, float]:
    started = time.monotonic()
    completed = subprocess.run(
        [
            "./pants",
            "--no-test-timeouts",
            "--test-force",
            "--test-output=all",
            "test",
            TESTS,
            "--",
            "--hypothesis-show-statistics",
        ],
        cwd=REPO,
        env={**os.environ, "BRICKYARD_HYPOTHESIS_PROFILE": "thorough"},
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr, time.monotonic() - started


def per_test(output: str) -> list[tuple[str, dict[str, str]]]:
    headers = list(TEST_HEADER.finditer(output))
    rows = []
    for header, following in zip(headers, [*headers[1:], None], strict=True):
        block = output[header.end() : following.start() if following else len(output)]
        found = EXAMPLES.search(block)
        if found:
            rows.append((header.group(1), found.groupdict()))
    return rows


def main() -> int:
    code, output, seconds = run_thorough()
    rows = per_test(output)
    if code != 0 or not rows:
        sys.stderr.write(output[-4000:])
        print(f"the thorough property run failed (exit {code})", file=sys.stderr)
        return 1
    total = sum(int(row["passing"]) for _, row in rows)
    lines = [
        "## Ingest property tests, thorough profile (tools/benchmarks/ingest_properties.py)",
        "",
        f"`{TESTS}` with BRICKYARD_HYPOTHESIS_PROFILE=thorough: every generated file held the",
        "invariants (only declared errors; read = accepted + rejected, as the grammar's oracle",
        "says; every reject with source, line and reason; accepted rows satisfy the contract).",
        f"Machine: {machine_line()}.",
        "",
        "| property | passing examples | failing | invalid (filtered) | generate time |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {int(row['passing']):,} | {row['failing']} | {row['invalid']} "
            f"| {float(row['seconds']):.0f} s |"
            for name, row in rows
        ),
        "",
        f"**{total:,} examples** held the invariants; the whole run took {seconds:.0f} s "
        "(Pants included).",
    ]
    path = write_section("ingest-properties", "\n".join(lines))
    print(f"{total:,} examples passed in {seconds:.0f} s; wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
