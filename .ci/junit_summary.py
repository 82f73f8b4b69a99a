"""Print the closing `N passed, N failed` line from Pants' JUnit XML test reports.

Counted from the reports themselves, never from Pants' console output, so cached
results count too (Pants re-materialises their reports).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count(report_dir: Path) -> tuple[int, int, int]:
    passed = failed = skipped = 0
    for report in sorted(report_dir.rglob("*.xml")):
        for case in ET.parse(report).getroot().iter("testcase"):
            outcomes = {child.tag for child in case}
            if outcomes & {"failure", "error"}:
                failed += 1
            elif "skipped" in outcomes:
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped


def main() -> int:
    report_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "dist/test/reports")
    passed, failed, skipped = count(report_dir)
    suffix = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{suffix}")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
