from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from brickyard_dev.errors import DevError
from brickyard_dev.schedules.generators import render_all, write_outputs
from brickyard_dev.schedules.manifest import Manifest, load_manifest
from brickyard_dev.schedules.validators import (
    AIRFLOW_PYTHON_VARIABLE,
    run_validators,
    validate_airflow,
    validate_crontab,
    validate_kubernetes,
    validate_systemd,
)


@pytest.fixture
def committed(repo_root: Path, known_targets: dict[str, str]) -> Manifest:
    return load_manifest(repo_root / "shared-config/schedules.toml", known_targets)


@pytest.fixture
def deploy_copy(repo_root: Path, tmp_path: Path) -> Path:
    """A copy of the committed files that a test may break."""
    return Path(shutil.copytree(repo_root / "shared-config/deploy", tmp_path / "deploy"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_validator_passes_on_the_committed_files(
    repo_root: Path, committed: Manifest
) -> None:
    outcomes = run_validators(repo_root / "shared-config/deploy", committed, None)
    failures = [f"{outcome.name}: {outcome.message}" for outcome in outcomes if not outcome.ok]
    assert failures == []
    assert [outcome.name for outcome in outcomes] == ["cron", "systemd", "kubernetes", "airflow"]


def test_crontab_validator_rejects_a_bare_percent(deploy_copy: Path, committed: Manifest) -> None:
    crontab = deploy_copy / "cron/brickyard.crontab"
    _edit(crontab, "--log-format json", "--log-format json --note 100%")
    with pytest.raises(DevError, match="unescaped % in the command"):
        validate_crontab(crontab, committed)


def test_crontab_validator_rejects_a_bad_schedule(deploy_copy: Path, committed: Manifest) -> None:
    crontab = deploy_copy / "cron/brickyard.crontab"
    _edit(crontab, "0 6 * * *", "0 25 * * *")
    with pytest.raises(DevError, match="croniter rejects '0 25 \\* \\* \\*'"):
        validate_crontab(crontab, committed)


def test_systemd_validator_reports_what_verify_only_warns_about(
    deploy_copy: Path, committed: Manifest
) -> None:
    _edit(deploy_copy / "systemd/brickyard-daily.service", "RuntimeMaxSec=3600", "Timeout=3600")
    with pytest.raises(DevError) as caught:
        validate_systemd(deploy_copy / "systemd", committed)
    assert "Unknown key 'Timeout' in section [Service]" in str(caught.value)


def test_systemd_timers_fire_when_cron_would_for_lists_ranges_and_weekdays(
    tmp_path: Path,
    make_manifest: Callable[..., Manifest],
    manifest_data: Callable[..., dict[str, Any]],
) -> None:
    base = manifest_data()["jobs"][0]
    manifest = make_manifest(
        jobs=[
            {**base, "name": "a", "schedule": "15,45 8-10 * * 1-5"},
            {**base, "name": "b", "schedule": "0 0 1,15 2-4,11 *"},
            {**base, "name": "c", "schedule": "30 23 * * 0,6", "timezone": "America/New_York"},
        ]
    )
    write_outputs(tmp_path, render_all(manifest))
    assert "timers fire when croniter says" in validate_systemd(tmp_path / "systemd", manifest)


def test_kubernetes_validator_rejects_a_misspelled_field(
    deploy_copy: Path, committed: Manifest
) -> None:
    _edit(deploy_copy / "kubernetes/daily-cronjob.yaml", "concurrencyPolicy:", "concurencyPolicy:")
    with pytest.raises(DevError, match="spec.concurencyPolicy does not survive"):
        validate_kubernetes(deploy_copy / "kubernetes", committed)


def test_kubernetes_validator_rejects_a_literal_secret(
    deploy_copy: Path, committed: Manifest
) -> None:
    _edit(
        deploy_copy / "kubernetes/daily-cronjob.yaml",
        "- name: BRICKYARD_ENV\n",
        "- name: BRICKYARD_ENV\n              value: prod\n",
    )
    with pytest.raises(DevError, match="never a literal value"):
        validate_kubernetes(deploy_copy / "kubernetes", committed)


def test_airflow_validator_reports_import_errors(deploy_copy: Path, committed: Manifest) -> None:
    dag_file = deploy_copy / "airflow/brickyard_dag.py"
    _edit(dag_file, "catchup=False,", "catchup=False,,")
    with pytest.raises(DevError, match="Airflow cannot import"):
        validate_airflow(dag_file, committed, None)
    assert not (deploy_copy / "airflow/__pycache__").exists()


def test_airflow_renders_as_of_as_the_day_before_the_scheduled_run(
    tmp_path: Path, make_manifest: Callable[..., Manifest]
) -> None:
    manifest = make_manifest()  # its args pass `--as-of {as_of}`
    write_outputs(tmp_path, render_all(manifest))
    summary = validate_airflow(tmp_path / "airflow/brickyard_dag.py", manifest, None)
    assert summary.endswith(
        "brickyard_nightly with the manifest's schedules, and retries only exit 75 "
        "(tried: 0, 1, 64, 65, 66, 73, 74, 75, 78)"
    )


def test_airflow_validator_without_airflow_fails_and_says_how_to_fix(
    repo_root: Path, committed: Manifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(AIRFLOW_PYTHON_VARIABLE, raising=False)
    with pytest.raises(DevError, match=f"set {AIRFLOW_PYTHON_VARIABLE}"):
        validate_airflow(
            repo_root / "shared-config/deploy/airflow/brickyard_dag.py", committed, None
        )
