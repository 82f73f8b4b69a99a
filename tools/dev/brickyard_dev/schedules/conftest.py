"""Shared fixtures: small valid manifests, and Pants answering with this repository's job targets."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from brickyard_dev.conftest import fake_pants, peek_output
from brickyard_dev.schedules.manifest import Manifest, parse_manifest
from brickyard_dev.schedules.validators import AIRFLOW_PYTHON_VARIABLE

# Under Pants the Airflow interpreter is a PEX built into the test sandbox and named
# relative to it; the validators run it from other directories, so make it absolute.
if os.environ.get(AIRFLOW_PYTHON_VARIABLE, "").endswith(".pex"):
    os.environ[AIRFLOW_PYTHON_VARIABLE] = str(Path(os.environ[AIRFLOW_PYTHON_VARIABLE]).absolute())

TARGETS = {
    "packages/jobs:daily": "daily",
    "packages/jobs:daily-spark": "daily-spark",
    "packages/jobs:pipeline": "pipeline",
    "packages/jobs:pipeline-spark": "pipeline-spark",
    "packages/jobs:train": "train",
}
BASE_JOB: dict[str, Any] = {
    "name": "nightly",
    "target": "packages/jobs:daily",
    "schedule": "30 6 * * *",
    "timezone": "Europe/Amsterdam",
    "args": ["--as-of", "{as_of}", "--log-format", "json"],
    "timeout_seconds": 600,
    "retries": 2,
    "retry_delay_seconds": 60,
    "environment": ["BRICKYARD_ENV", "WAREHOUSE_TOKEN"],
    "owner": "team@example.org",
    "output_dir": "/var/lib/brickyard",
}
BASE_DEPLOY: dict[str, Any] = {
    "image": "brickyard-jobs:1.0",
    "run_as_user": "brickyard",
    "env_file": "/etc/brickyard/jobs.env",
    "log_dir": "/var/log/brickyard",
    "kubernetes_secret": "brickyard-jobs",
    "kubernetes_output_claim": "brickyard-output",
    "airflow_start_date": date(2024, 1, 1),
}

ManifestData = Callable[..., dict[str, Any]]


@pytest.fixture
def known_targets() -> dict[str, str]:
    """The job targets, as Workspace.job_targets returns them."""
    return dict(TARGETS)


def committed_job_targets() -> Callable[[Sequence[str]], str]:
    """Pants answering `peek packages/jobs:` with real output of this repository."""
    return fake_pants({("peek", "packages/jobs:"): peek_output("peek_jobs")})


@pytest.fixture
def manifest_data() -> ManifestData:
    """Raw manifest data: one job (BASE_JOB with `job` overrides) or the given `jobs`."""

    def build(
        jobs: list[dict[str, Any]] | None = None, deploy: dict[str, Any] | None = None, **job: Any
    ) -> dict[str, Any]:
        return {
            "deploy": {**BASE_DEPLOY, **(deploy or {})},
            "jobs": copy.deepcopy(jobs) if jobs is not None else [{**BASE_JOB, **job}],
        }

    return build


@pytest.fixture
def make_manifest(manifest_data: ManifestData) -> Callable[..., Manifest]:
    def build(jobs: list[dict[str, Any]] | None = None, **job: Any) -> Manifest:
        return parse_manifest(manifest_data(jobs, **job), TARGETS, "test.toml")

    return build
