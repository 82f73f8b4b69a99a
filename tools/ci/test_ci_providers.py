"""The CI provider files against the official GitHub Actions and GitLab CI schemas.

check-jsonschema ships the providers' published schemas (`vendor.github-workflows`,
`vendor.gitlab-ci`), so the check runs offline, as a user's push would be checked on arrival.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROVIDER_FILES = {
    ".github/workflows/ci.yml": "vendor.github-workflows",
    ".gitlab-ci.yml": "vendor.gitlab-ci",
}


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(("path", "schema"), sorted(PROVIDER_FILES.items()))
def test_the_ci_file_matches_its_providers_schema(path: str, schema: str) -> None:
    completed = check_jsonschema(schema, Path(path))
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize(
    ("path", "schema", "mistake", "correction"),
    [
        (".github/workflows/ci.yml", "vendor.github-workflows", "runs-on:", "runs_on:"),
        (".gitlab-ci.yml", "vendor.gitlab-ci", "when: always", "when: sometimes"),
    ],
)
def test_a_mistake_in_the_ci_file_is_caught(
    path: str, schema: str, mistake: str, correction: str, tmp_path: Path
) -> None:
    text = Path(path).read_text()
    assert mistake in text
    broken = tmp_path / Path(path).name
    broken.write_text(text.replace(mistake, correction, 1))

    completed = check_jsonschema(schema, broken)

    assert completed.returncode == 1
    assert "Schema validation errors were encountered" in completed.stdout + completed.stderr
