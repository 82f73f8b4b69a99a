from __future__ import annotations

import re
from pathlib import Path

from brickyard_dev.schedules.exit_policy import EXIT_POLICY, policy_comment

JOBS_README = "packages/jobs/README.md"


def _exit_code_rows(readme: str) -> dict[int, list[str]]:
    """The rows of the README's exit-code table: code -> the other cells."""
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and re.fullmatch(r"[0-9]+", cells[0]):
            rows[int(cells[0])] = cells[1:]
    return rows


def test_the_jobs_readme_tells_operators_what_the_schedulers_do(repo_root: Path) -> None:
    rows = _exit_code_rows((repo_root / JOBS_README).read_text(encoding="utf-8"))

    assert set(rows) == {0} | {policy.code for policy in EXIT_POLICY}
    for policy in EXIT_POLICY:
        _, retried, alert = rows[policy.code]
        assert retried.startswith("yes" if policy.retry else "no"), (policy.code, retried)
        assert alert == policy.alert, (policy.code, alert)


def test_every_generated_file_carries_the_policy() -> None:
    lines = policy_comment()

    assert lines[0] == "Exit codes (packages/jobs/README.md): only 75 is retried."
    assert "     65  unusable input data" in lines[3]
    assert lines[3].endswith("alert the data owner")
    assert any(
        line.strip().startswith("75")
        and "retry; when the retries run out, alert the operator" in line
        for line in lines
    )
