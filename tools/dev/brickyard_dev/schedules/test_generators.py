from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from brickyard_dev.schedules.generators import (
    render_airflow,
    render_all,
    render_cronjob,
    render_crontab,
    render_systemd,
    stale_outputs,
    write_outputs,
)
from brickyard_dev.schedules.manifest import Manifest, parse_manifest

MakeManifest = Callable[..., Manifest]


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _yesterday_in_amsterdam() -> str:
    return (datetime.now(ZoneInfo("Europe/Amsterdam")) - timedelta(days=1)).date().isoformat()


def test_crontab_runs_each_job_in_its_zone_from_root_with_a_log(
    make_manifest: MakeManifest,
) -> None:
    crontab = render_crontab(make_manifest())
    lines = _lines(crontab)
    assert "SHELL=/bin/sh" in lines
    assert "PATH=/usr/bin:/bin" in lines
    entry = lines[lines.index("CRON_TZ=Europe/Amsterdam") + 1]
    assert entry.startswith("30 6 * * * { cd / && set -a && . /etc/brickyard/jobs.env && set +a")
    assert (
        'timeout 600 /opt/brickyard/jobs/daily.pex --as-of "$(TZ=Europe/Amsterdam date -d '
        'yesterday +\\%F)" --log-format json --output-dir /var/lib/brickyard;'
    ) in entry
    assert entry.endswith("} >> /var/log/brickyard/nightly.log 2>&1")
    assert "flock" not in entry


def test_crontab_entry_retries_only_temporary_failures(
    tmp_path: Path, manifest_data: Callable[..., dict[str, Any]]
) -> None:
    """Run the generated entry in sh with a stub job: exit 75 is retried, 65 is not."""
    stub, calls, env_file = tmp_path / "job.pex", tmp_path / "calls", tmp_path / "jobs.env"
    env_file.write_text("BRICKYARD_ENV=prod\n", encoding="utf-8")
    # The stub answers with the next exit code from `codes`, and records its argv and env.
    stub.write_text(
        "#!/bin/sh\n"
        f'echo "$BRICKYARD_ENV $*" >> {calls}\n'
        f"code=$(head -n 1 {tmp_path}/codes); sed -i 1d {tmp_path}/codes; exit $code\n",
        encoding="utf-8",
    )
    stub.chmod(0o755)
    deploy = {"env_file": str(env_file), "log_dir": str(tmp_path)}
    data = manifest_data(
        deploy=deploy, executable=str(stub), retries=3, retry_delay_seconds=0, timeout_seconds=30
    )
    manifest = parse_manifest(data, {"packages/jobs:daily": "daily"}, "test.toml")
    entry = _lines(render_crontab(manifest))[-1]
    command = entry.split(None, 5)[5].replace("\\%", "%")

    def run(codes: list[int]) -> list[str]:
        (tmp_path / "codes").write_text("".join(f"{code}\n" for code in codes), encoding="utf-8")
        calls.unlink(missing_ok=True)
        subprocess.run(["sh", "-c", command], check=True, env={"PATH": "/usr/bin:/bin"})
        return calls.read_text(encoding="utf-8").splitlines()

    assert len(run([75, 75, 0])) == 3
    assert len(run([65, 0])) == 1
    assert len(run([74, 0])) == 1
    assert len(run([124, 0])) == 1  # over its time limit: a person looks first
    assert len(run([75, 75, 75, 75, 0])) == 4  # 1 + retries, then it gives up
    before = _yesterday_in_amsterdam()
    argv = run([0])
    assert argv in [
        [f"prod --as-of {day} --log-format json --output-dir /var/lib/brickyard"]
        for day in {before, _yesterday_in_amsterdam()}  # the run may straddle midnight
    ]


def test_systemd_service_retries_only_retryable_exit_codes(make_manifest: MakeManifest) -> None:
    manifest = make_manifest()
    service, _ = render_systemd(manifest.jobs[0], manifest)
    lines = _lines(service)
    for expected in [
        "Type=exec",
        "User=brickyard",
        "RuntimeMaxSec=600",
        "Restart=no",
        "RestartForceExitStatus=75",
        "RestartSec=60",
        "SuccessExitStatus=0",
        "PassEnvironment=BRICKYARD_ENV WAREHOUSE_TOKEN",
        "StartLimitBurst=3",
        "StartLimitIntervalSec=1980",
    ]:
        assert expected in lines
    assert (
        'ExecStart=/bin/sh -c "exec /opt/brickyard/jobs/daily.pex --as-of '
        '\\"$$(TZ=Europe/Amsterdam date -d yesterday +%%F)\\" --log-format json '
        '--output-dir /var/lib/brickyard"'
    ) in lines


def test_systemd_without_retries_or_as_of(make_manifest: MakeManifest) -> None:
    manifest = make_manifest(retries=0, args=["--set", "run.note=50%"])
    service, _ = render_systemd(manifest.jobs[0], manifest)
    lines = _lines(service)
    assert "Restart=no" in lines
    assert not any(
        line.startswith(("RestartSec=", "StartLimit", "RestartForceExitStatus=")) for line in lines
    )
    assert (
        'ExecStart=/opt/brickyard/jobs/daily.pex --set "run.note=50%%" '
        "--output-dir /var/lib/brickyard"
    ) in lines


def test_systemd_timer_carries_the_zone_and_catches_up(make_manifest: MakeManifest) -> None:
    manifest = make_manifest(schedule="0 5 * * 1")
    _, timer = render_systemd(manifest.jobs[0], manifest)
    lines = _lines(timer)
    assert "OnCalendar=Mon *-*-* 05:00:00 Europe/Amsterdam" in lines
    assert "Persistent=true" in lines
    assert "Unit=brickyard-nightly.service" in lines
    assert "WantedBy=timers.target" in lines


def test_kubernetes_cronjob(make_manifest: MakeManifest) -> None:
    manifest = make_manifest()
    document = yaml.safe_load(render_cronjob(manifest.jobs[0], manifest))
    spec = document["spec"]
    job_spec = spec["jobTemplate"]["spec"]
    pod = job_spec["template"]["spec"]
    container = pod["containers"][0]
    assert (document["apiVersion"], document["kind"]) == ("batch/v1", "CronJob")
    assert document["metadata"]["name"] == "brickyard-nightly"
    assert (spec["schedule"], spec["timeZone"]) == ("30 6 * * *", "Europe/Amsterdam")
    assert spec["concurrencyPolicy"] == "Forbid"
    assert job_spec["backoffLimit"] == 2
    assert pod["activeDeadlineSeconds"] == 600
    assert pod["restartPolicy"] == "Never"
    assert job_spec["podFailurePolicy"]["rules"] == [
        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
        {
            "action": "FailJob",
            "onExitCodes": {"containerName": "nightly", "operator": "NotIn", "values": [75]},
        },
    ]
    assert container["image"] == "brickyard-jobs:1.0"
    assert container["command"] == ["/opt/brickyard/jobs/daily.pex"]
    # No --as-of: a CronJob cannot template the day, so the job's default applies.
    assert container["args"] == ["--log-format", "json", "--output-dir", "/var/lib/brickyard"]
    assert container["env"] == [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": "brickyard-jobs", "key": name}}}
        for name in ["BRICKYARD_ENV", "WAREHOUSE_TOKEN"]
    ]
    assert container["volumeMounts"] == [{"name": "output", "mountPath": "/var/lib/brickyard"}]


def test_airflow_dag(make_manifest: MakeManifest) -> None:
    source = render_airflow(make_manifest())
    compile(source, "brickyard_dag.py", "exec")
    for expected in [
        '    dag_id="brickyard_nightly",',
        '    schedule=CronTriggerTimetable("30 6 * * *", timezone="Europe/Amsterdam"),',
        '    start_date=datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Amsterdam")),',
        "    catchup=False,",
        '    user_defined_macros={"day_before": day_before},',
        '        "retries": 2,',
        '        "retry_delay": timedelta(seconds=60),',
        '        "execution_timeout": timedelta(seconds=600),',
        '    BrickyardJob(task_id="nightly", argv=["/opt/brickyard/jobs/daily.pex", "--as-of", '
        '"{{ day_before(dag_run.run_after, \'Europe/Amsterdam\') }}", "--log-format", '
        '"json", "--output-dir", "/var/lib/brickyard"])',
        "RETRYABLE_EXIT_CODE = 75",
        '    65: ("unusable input data", "the data owner"),',
    ]:
        assert expected in _lines(source)


def test_airflow_dag_without_as_of_defines_no_macro(make_manifest: MakeManifest) -> None:
    source = render_airflow(make_manifest(args=["--log-format", "json"]))
    compile(source, "brickyard_dag.py", "exec")
    assert "day_before" not in source
    assert (
        '    BrickyardJob(task_id="nightly", argv=["/opt/brickyard/jobs/daily.pex", '
        '"--log-format", "json", "--output-dir", "/var/lib/brickyard"])'
    ) in _lines(source)


def test_output_is_deterministic_and_independent_of_job_order(
    make_manifest: MakeManifest, manifest_data: Callable[..., dict[str, Any]]
) -> None:
    first = manifest_data()["jobs"][0]
    second = {**first, "name": "weekly", "schedule": "0 5 * * 1"}
    forward = render_all(make_manifest(jobs=[first, second]))
    assert forward == render_all(make_manifest(jobs=[second, first]))
    assert list(forward) == sorted(forward)
    assert "kubernetes/weekly-cronjob.yaml" in forward


def test_stale_files_are_detected_and_rewritten(
    tmp_path: Path, make_manifest: MakeManifest
) -> None:
    files = render_all(make_manifest())
    assert len(write_outputs(tmp_path, files)) == len(files)
    assert stale_outputs(tmp_path, files) == []
    assert write_outputs(tmp_path, files) == []  # nothing changed, nothing rewritten

    timer = tmp_path / "systemd/brickyard-nightly.timer"
    timer.write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "systemd/brickyard-gone.service").write_text("[Unit]\n", encoding="utf-8")
    (tmp_path / "cron/brickyard.crontab").unlink()
    assert stale_outputs(tmp_path, files) == [
        f"missing: {tmp_path / 'cron/brickyard.crontab'}",
        f"out of date: {timer}",
        f"not generated by the manifest: {tmp_path / 'systemd/brickyard-gone.service'}",
    ]
    write_outputs(tmp_path, files)
    assert stale_outputs(tmp_path, files) == []
    assert not (tmp_path / "systemd/brickyard-gone.service").exists()
