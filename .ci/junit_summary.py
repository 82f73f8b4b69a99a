"""Print the closing `N passed, N failed` line from Pants' JUnit XML test reports.

Counted from the reports themselves, never from Pants' console output, so cached
results count too (Pants re-materialises their reports). A test target that fails
without writing a report (killed at its timeout, crashed before pytest started) has no
test cases to count, so with `--console LOG` (the `./pants test` output) every failed
target beyond those with a failing report counts as one more failure.
"""

from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

# Pants' per-target summary line, e.g. "✕ packages/x/test_y.py:tests failed in 3.2s."
_FAILED_TARGET = re.compile(r"^✕ (\S+) failed\b", re.MULTILINE)


def count(report_dir: Path) -> tuple[int, int, int, int]:
    """passed, failed and skipped test cases, and the number of reports with a failure."""
    passed = failed = skipped = failing_reports = 0
    for report in sorted(report_dir.rglob("*.xml")):
        report_failed = False
        for case in ET.parse(report).getroot().iter("testcase"):
            outcomes = {child.tag for child in case}
            if outcomes & {"failure", "error"}:
                failed += 1
                report_failed = True
            elif "skipped" in outcomes:
                skipped += 1
            else:
                passed += 1
        failing_reports += report_failed
    return passed, failed, skipped, failing_reports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", type=Path, nargs="?", default=Path("dist/test/reports"))
    parser.add_argument("--console", type=Path, help="the captured `./pants test` output")
    args = parser.parse_args()
    passed, failed, skipped, failing_reports = count(args.report_dir)
    if args.console and args.console.is_file():
        failed_targets = _FAILED_TARGET.findall(args.console.read_text(errors="replace"))
        unreported = len(failed_targets) - failing_reports
        if unreported > 0:
            failed += unreported
            print(
                f"::: {unreported} failed target(s) wrote no test report (timeout or crash):"
                " each counts as one failure",
                file=sys.stderr,
            )
    suffix = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{suffix}")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
