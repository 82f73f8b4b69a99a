from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from brickyard_dev.errors import DevError
from brickyard_dev.schedules.manifest import (
    Manifest,
    load_manifest,
    parse_manifest,
)

ManifestData = Callable[..., dict[str, Any]]
ErrorOf = Callable[[dict[str, Any]], str]


@pytest.fixture
def error_of(known_targets: dict[str, str]) -> ErrorOf:
    """The DevError message that parsing `data` raises."""

    def parse(data: dict[str, Any]) -> str:
        with pytest.raises(DevError) as caught:
            parse_manifest(data, known_targets, "schedules.toml")
        return str(caught.value)

    return parse


def test_the_committed_manifest_schedules_daily_and_weekly_training(
    repo_root: Path, known_targets: dict[str, str]
) -> None:
    manifest = load_manifest(repo_root / "shared-config/schedules.toml", known_targets)
    jobs = {job.name: job for job in manifest.jobs}
    assert jobs["daily"].schedule == "0 6 * * *"
    assert jobs["train"].schedule == "0 5 * * 1"
    assert jobs["daily"].executable == "/opt/brickyard/jobs/daily.pex"


def test_executable_defaults_to_the_installed_pex_of_the_target(
    make_manifest: Callable[..., Manifest],
) -> None:
    assert make_manifest(target="packages/jobs:train").jobs[0].executable == (
        "/opt/brickyard/jobs/train.pex"
    )


def test_bad_cron_names_the_job_and_the_expression(
    manifest_data: ManifestData, error_of: ErrorOf
) -> None:
    message = error_of(manifest_data(schedule="61 6 * * *"))
    assert "job 'nightly', key 'schedule'" in message
    assert "'61 6 * * *' is not a valid cron expression" in message


def test_cron_forms_systemd_cannot_express_are_refused(
    manifest_data: ManifestData, error_of: ErrorOf
) -> None:
    message = error_of(manifest_data(schedule="*/15 * * * *"))
    assert "job 'nightly', key 'schedule'" in message
    assert "'*/15'" in message


def test_unknown_target_names_the_job_target_and_known_ones(
    manifest_data: ManifestData,
    error_of: ErrorOf,
    known_targets: dict[str, str],
) -> None:
    message = error_of(manifest_data(target="packages/jobs:dayly"))
    assert "job 'nightly', key 'target': unknown target 'packages/jobs:dayly'" in message
    assert ", ".join(sorted(known_targets)) in message


def test_unknown_timezone_names_the_job_and_zone(
    manifest_data: ManifestData, error_of: ErrorOf
) -> None:
    message = error_of(manifest_data(timezone="Europe/Amsterdan"))
    assert "job 'nightly', key 'timezone': unknown time zone 'Europe/Amsterdan'" in message


@pytest.mark.parametrize("entry", ["WAREHOUSE_TOKEN=hunter2", "hunter2", "MY VAR", "brickyard_env"])
def test_environment_entries_that_look_like_values_are_refused(
    manifest_data: ManifestData, error_of: ErrorOf, entry: str
) -> None:
    message = error_of(manifest_data(environment=["BRICKYARD_ENV", entry]))
    assert "job 'nightly', key 'environment'" in message
    assert "entry 1 (" in message
    assert "looks like a value, not a variable name" in message
    assert entry.partition("=")[2 if "=" in entry else 0] not in message  # never echoed


def test_unknown_keys_are_refused_with_the_allowed_ones(
    manifest_data: ManifestData, error_of: ErrorOf
) -> None:
    message = error_of(manifest_data(timeout=60))
    assert "job 'nightly', key 'timeout': unknown key; allowed keys: name, target" in message
    assert "timeout_seconds" in message


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["{as_of}"], "may only follow '--as-of'"),
        (["--as-of", "{ds}"], "braces are reserved"),
        (["--output-dir", "/tmp/x"], "set the job's output_dir key instead"),
        (["--as-of"], "has no value"),
    ],
)
def test_args_misuse_is_refused(
    manifest_data: ManifestData, error_of: ErrorOf, args: list[str], reason: str
) -> None:
    message = error_of(manifest_data(args=args))
    assert "job 'nightly', key 'args'" in message
    assert reason in message


def test_job_names_must_be_unique(manifest_data: ManifestData, error_of: ErrorOf) -> None:
    job = manifest_data()["jobs"][0]
    assert "repeated: nightly" in error_of(manifest_data(jobs=[job, job]))


def test_wrong_types_are_not_coerced(manifest_data: ManifestData, error_of: ErrorOf) -> None:
    message = error_of(manifest_data(retries="3"))
    assert "job 'nightly', key 'retries'" in message


def test_invalid_toml_is_a_manifest_error(tmp_path: Path, known_targets: dict[str, str]) -> None:
    path = tmp_path / "schedules.toml"
    path.write_text("[[jobs]\n", encoding="utf-8")
    with pytest.raises(DevError, match="is not valid TOML"):
        load_manifest(path, known_targets)
