"""Scheduler files from the manifest: a crontab, systemd units, Kubernetes CronJobs, Airflow DAGs.

Every generator is a pure function of the manifest (jobs in name order, no timestamps), so
the committed files under shared-config/deploy/ can be checked for freshness byte for byte.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from brickyard.core import write_file
from brickyard_dev.schedules.cronspec import to_on_calendar
from brickyard_dev.schedules.exit_policy import EXIT_POLICY, RETRYABLE_EXIT_CODE, policy_comment
from brickyard_dev.schedules.manifest import AS_OF_PLACEHOLDER, Job, Manifest

GENERATED_DIRS = ("airflow", "cron", "kubernetes", "systemd")
CRONTAB_PATH = "cron/brickyard.crontab"
AIRFLOW_PATH = "airflow/brickyard_dag.py"
# The DAG macro that turns a run's scheduled moment into its {as_of} day.
AIRFLOW_DAY_BEFORE = "day_before"
CRON_PATH_VARIABLE = "/usr/bin:/bin"
_HEADER = (
    "Generated from shared-config/schedules.toml; do not edit.",
    "Regenerate: ./pants run tools/dev -- schedules generate",
    *policy_comment(),
)


def unit_name(job: Job) -> str:
    return f"brickyard-{job.name}"


def dag_id(job: Job) -> str:
    return f"brickyard_{job.name}"


def cronjob_path(job: Job) -> str:
    return f"kubernetes/{job.name}-cronjob.yaml"


def render_all(manifest: Manifest) -> dict[str, str]:
    """Every generated file, path relative to shared-config/deploy/ -> content."""
    files = {CRONTAB_PATH: render_crontab(manifest), AIRFLOW_PATH: render_airflow(manifest)}
    for job in manifest.sorted_jobs():
        service, timer = render_systemd(job, manifest)
        files[f"systemd/{unit_name(job)}.service"] = service
        files[f"systemd/{unit_name(job)}.timer"] = timer
        files[cronjob_path(job)] = render_cronjob(job, manifest)
    return dict(sorted(files.items()))


def job_argv(job: Job, as_of: str | None) -> list[str]:
    """The job's argv; `as_of` replaces the placeholder.

    With `as_of` None the placeholder and its `--as-of` are dropped, so the job falls back
    to its default day (the latest day in the data).
    """
    argv = [job.executable]
    for index, arg in enumerate(job.args):
        if arg == AS_OF_PLACEHOLDER:
            if as_of is not None:
                argv.append(as_of)
        elif as_of is not None or job.args[index + 1 : index + 2] != [AS_OF_PLACEHOLDER]:
            argv.append(arg)
    return [*argv, "--output-dir", job.output_dir]


def shell_command(job: Job, as_of: str) -> str:
    """The job's command line for a shell; `as_of` is shell (or template) text used verbatim."""
    return " ".join(
        as_of if word == AS_OF_PLACEHOLDER else shlex.quote(word)
        for word in job_argv(job, AS_OF_PLACEHOLDER)
    )


def shell_day_before(timezone: str) -> str:
    """Shell for the `{as_of}` day: yesterday in the job's time zone, at the moment it starts."""
    return f'"$(TZ={timezone} date -d yesterday +%F)"'


def render_crontab(manifest: Manifest) -> str:
    deploy = manifest.deploy
    lines = [
        *(f"# {line}" for line in _HEADER),
        f"# Install as the crontab of {deploy.run_as_user} (crontab -u {deploy.run_as_user} FILE)",
        "# on a cron that honours CRON_TZ (cronie). Values of the environment names come from",
        f"# {deploy.env_file}. Each run retries exit {RETRYABLE_EXIT_CODE} (try again later) and "
        "nothing else; the jobs",
        "# lock themselves, so no flock: an overlapping run exits 75. cron mails or logs what a",
        "# failed run printed: its last line names the failure and the path it concerns.",
        "SHELL=/bin/sh",
        f"PATH={CRON_PATH_VARIABLE}",
    ]
    for job in manifest.sorted_jobs():
        command = (
            f"timeout {job.timeout_seconds} {shell_command(job, shell_day_before(job.timezone))}"
        )
        retry = (
            f'[ "$status" -eq {RETRYABLE_EXIT_CODE} ] && [ "$attempt" -lt {job.retries} ] || break;'
            f" sleep {job.retry_delay_seconds}"
        )
        script = (
            f"cd / && set -a && . {deploy.env_file} && set +a"
            f" && for attempt in $(seq 0 {job.retries}); do {command}; status=$?; {retry}; done"
        )
        lines += [
            "",
            f"# {job.name}: {job.target}, owner {job.owner}; environment: "
            f"{' '.join(job.environment) or 'none'}",
            f"# timeout {job.timeout_seconds} s, up to {job.retries} retries "
            f"{job.retry_delay_seconds} s apart",
            f"CRON_TZ={job.timezone}",
            # cron turns an unescaped % into a line break.
            f"{job.schedule} {{ {script}; }} >> {deploy.log_dir}/{job.name}.log 2>&1".replace(
                "%", "\\%"
            ),
        ]
    return "\n".join(lines) + "\n"


def render_systemd(job: Job, manifest: Manifest) -> tuple[str, str]:
    """The .service and .timer of one job."""
    deploy = manifest.deploy
    if job.has_as_of:
        # systemd has no "yesterday": a shell computes it, then exec hands over the PID so
        # systemd sees the job's own exit code.
        script = f"exec {shell_command(job, shell_day_before(job.timezone))}"
        exec_start = f"/bin/sh -c {_systemd_quote(script)}"
    else:
        exec_start = " ".join(_systemd_quote(word) for word in job_argv(job, None))
    unit = [f"Description=Brickyard job {job.name} ({job.target})"]
    service = [
        # exec rather than oneshot: systemd refuses RestartForceExitStatus= (the one way to
        # restart on exit 75 and nothing else) on a oneshot service. RuntimeMaxSec bounds
        # the whole run, as TimeoutStartSec does for a oneshot one.
        "Type=exec",
        f"User={deploy.run_as_user}",
        "WorkingDirectory=/",
        f"EnvironmentFile={deploy.env_file}",
    ]
    if job.environment:
        service.append(f"PassEnvironment={' '.join(job.environment)}")
    service += [
        f"ExecStart={exec_start}",
        f"RuntimeMaxSec={job.timeout_seconds}",
        "SuccessExitStatus=0",
    ]
    # Only exit 75 restarts the job: every other failure (and a timeout) needs a person.
    service.append("Restart=no")
    if job.retries:
        # Every automatic restart counts as a start: the limit caps attempts at 1 + retries.
        window = (job.retries + 1) * (job.timeout_seconds + job.retry_delay_seconds)
        unit += [f"StartLimitIntervalSec={window}", f"StartLimitBurst={job.retries + 1}"]
        service += [
            f"RestartForceExitStatus={RETRYABLE_EXIT_CODE}",
            f"RestartSec={job.retry_delay_seconds}",
        ]
    comment = [*(f"# {line}" for line in _HEADER), f"# Owner: {job.owner}"]
    service_text = _ini(comment, {"Unit": unit, "Service": service})
    timer_text = _ini(
        comment,
        {
            "Unit": [f"Description=Schedule of Brickyard job {job.name}"],
            "Timer": [
                f"OnCalendar={to_on_calendar(job.schedule, job.timezone)}",
                "Persistent=true",
                f"Unit={unit_name(job)}.service",
            ],
            "Install": ["WantedBy=timers.target"],
        },
    )
    return service_text, timer_text


def cronjob_document(job: Job, manifest: Manifest) -> dict[str, Any]:
    """The batch/v1 CronJob of one job, as the dict that is written as YAML."""
    deploy = manifest.deploy
    labels = {
        "app.kubernetes.io/name": "brickyard-jobs",
        "app.kubernetes.io/instance": unit_name(job),
        "app.kubernetes.io/managed-by": "brickyard-schedules",
    }
    container: dict[str, Any] = {
        "name": job.name,
        "image": deploy.image,
        "command": [job.executable],
        "args": job_argv(job, None)[1:],
    }
    if job.environment:
        container["env"] = [
            {
                "name": name,
                "valueFrom": {"secretKeyRef": {"name": deploy.kubernetes_secret, "key": name}},
            }
            for name in job.environment
        ]
    container["volumeMounts"] = [{"name": "output", "mountPath": job.output_dir}]
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "name": unit_name(job),
            "labels": labels,
            "annotations": {"brickyard/owner": job.owner, "brickyard/target": job.target},
        },
        "spec": {
            "schedule": job.schedule,
            "timeZone": job.timezone,
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {
                "metadata": {"labels": labels},
                "spec": {
                    "backoffLimit": job.retries,
                    "podFailurePolicy": {
                        "rules": [
                            # A pod evicted or preempted is run again, without counting.
                            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
                            {
                                "action": "FailJob",
                                "onExitCodes": {
                                    "containerName": job.name,
                                    "operator": "NotIn",
                                    "values": [RETRYABLE_EXIT_CODE],
                                },
                            },
                        ]
                    },
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "restartPolicy": "Never",
                            "activeDeadlineSeconds": job.timeout_seconds,
                            "containers": [container],
                            "volumes": [
                                {
                                    "name": "output",
                                    "persistentVolumeClaim": {
                                        "claimName": deploy.kubernetes_output_claim
                                    },
                                }
                            ],
                        },
                    },
                },
            },
        },
    }


def render_cronjob(job: Job, manifest: Manifest) -> str:
    notes = [
        *_HEADER,
        f"Owner: {job.owner}.",
        "--as-of is left out: a CronJob cannot template the day, so the job runs for its",
        "default, the latest day in the data. Any exit but 75 fails the Job at once (a pod over",
        "its activeDeadlineSeconds, per attempt, is killed and fails it too); 75 is retried up",
        "to backoffLimit times with Kubernetes' own backoff (the manifest's "
        f"{job.retry_delay_seconds} s delay does not apply).",
    ]
    body: str = yaml.dump(
        cronjob_document(job, manifest),
        Dumper=_PlainDumper,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )
    return "".join(f"# {line}\n" for line in notes) + body


AIRFLOW_OPERATOR = "BrickyardJob"


def airflow_argv(job: Job) -> list[str]:
    """The task's argv: the job's, with Airflow's template for the {as_of} day."""
    as_of = f"{{{{ {AIRFLOW_DAY_BEFORE}(dag_run.run_after, '{job.timezone}') }}}}"
    return job_argv(job, as_of if job.has_as_of else None)


def _airflow_exit_codes() -> str:
    rows = "".join(
        f"    {policy.code}: ({json.dumps(policy.meaning)}, {json.dumps(policy.alert)}),\n"
        for policy in EXIT_POLICY
    )
    return "{\n" + rows + "}"


def render_airflow(manifest: Manifest) -> str:
    start = manifest.deploy.airflow_start_date
    header = "\n".join(_HEADER)
    jobs = manifest.sorted_jobs()
    parts = [
        f'''"""Brickyard's scheduled jobs as Airflow DAGs, one per job.

{header}

Airflow on its own retries a failed task whatever the cause; here each task runs its job
executable (no shell) and fails at once, naming the exit code and whom it concerns, unless
the job exits 75 (try again later), which Airflow retries `retries` times. A task over its
execution_timeout fails without a retry too. The environment names of each job must be set
on the workers: the task passes the worker's environment through.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from airflow.sdk import DAG, BaseOperator, CronTriggerTimetable
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowTaskTimeout

RETRYABLE_EXIT_CODE = {RETRYABLE_EXIT_CODE}
# Exit code -> what it means, and whom a failure with it concerns.
EXIT_CODES = {_airflow_exit_codes()}


class {AIRFLOW_OPERATOR}(BaseOperator):
    """Run a job executable; only its exit 75 is left to Airflow's retries."""

    template_fields = ("argv",)
    retryable_exit_codes = (RETRYABLE_EXIT_CODE,)
    cwd = "/"

    def __init__(self, *, argv: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.argv = argv

    def execute(self, context: Any) -> None:
        try:
            status = subprocess.run(self.argv, cwd=self.cwd, check=False).returncode
        except AirflowTaskTimeout as timeout:
            # subprocess.run has killed the job on the way out.
            raise AirflowFailException(
                f"{{self.argv[0]}} ran over its execution_timeout; alert developers"
            ) from timeout
        if status == 0:
            return
        meaning, alert = EXIT_CODES.get(status, ("killed or an unknown failure", "developers"))
        message = f"{{self.argv[0]}} exited {{status}}: {{meaning}}; alert {{alert}}"
        if status in self.retryable_exit_codes:
            raise AirflowException(message)
        raise AirflowFailException(message)
'''
    ]
    # Only a job whose args hold {as_of} needs the day computed in Airflow's template.
    if any(job.has_as_of for job in jobs):
        parts.append(
            f'''

def {AIRFLOW_DAY_BEFORE}(moment: datetime, zone: str) -> str:
    """The {{as_of}} day of a run: the calendar day before `moment` in `zone`."""
    return (moment.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)).isoformat()
'''
        )
    for job in jobs:
        zone = json.dumps(job.timezone)
        macros = (
            f'    user_defined_macros={{"{AIRFLOW_DAY_BEFORE}": {AIRFLOW_DAY_BEFORE}}},\n'
            if job.has_as_of
            else ""
        )
        parts.append(
            f"""

# environment: {" ".join(job.environment) or "none"}
with DAG(
    dag_id={json.dumps(dag_id(job))},
    description={json.dumps(job.target)},
    schedule=CronTriggerTimetable({json.dumps(job.schedule)}, timezone={zone}),
    start_date=datetime({start.year}, {start.month}, {start.day}, tzinfo=ZoneInfo({zone})),
    catchup=False,
    max_active_runs=1,
{macros}    default_args={{
        "owner": {json.dumps(job.owner)},
        "retries": {job.retries},
        "retry_delay": timedelta(seconds={job.retry_delay_seconds}),
        "execution_timeout": timedelta(seconds={job.timeout_seconds}),
    }},
    tags=["brickyard"],
):
    {AIRFLOW_OPERATOR}(task_id={json.dumps(job.name)}, argv={json.dumps(airflow_argv(job))})
"""
        )
    return "".join(parts)


def stale_outputs(deploy_dir: Path, files: Mapping[str, str]) -> list[str]:
    """What differs between `deploy_dir` and the generated `files`, one line each."""
    problems = []
    for relative, content in files.items():
        path = deploy_dir / relative
        if not path.is_file():
            problems.append(f"missing: {path}")
        elif path.read_text(encoding="utf-8") != content:
            problems.append(f"out of date: {path}")
    problems += [f"not generated by the manifest: {path}" for path in _orphans(deploy_dir, files)]
    return problems


def write_outputs(deploy_dir: Path, files: Mapping[str, str]) -> list[str]:
    """Write what changed atomically and remove files the manifest no longer produces."""
    changes = []
    for relative, content in files.items():
        path = deploy_dir / relative
        if path.is_file() and path.read_text(encoding="utf-8") == content:
            continue
        write_file(path, content)
        changes.append(f"wrote {path}")
    for path in _orphans(deploy_dir, files):
        path.unlink()
        changes.append(f"removed {path}")
    return changes


def _orphans(deploy_dir: Path, files: Mapping[str, str]) -> list[Path]:
    expected = {deploy_dir / relative for relative in files}
    return sorted(
        path
        for directory in GENERATED_DIRS
        for path in (deploy_dir / directory).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path not in expected
    )


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated objects (the labels) out in full: anchors puzzle readers of a manifest."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _systemd_quote(word: str) -> str:
    """One ExecStart word: systemd C-unescapes quoted words and expands % and $ itself."""
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    if escaped == word and not any(character.isspace() for character in word) and word:
        return word
    return f'"{escaped}"'


def _ini(comments: list[str], sections: Mapping[str, list[str]]) -> str:
    blocks = [
        f"[{name}]\n" + "".join(f"{line}\n" for line in lines) for name, lines in sections.items()
    ]
    return "\n".join(comments) + "\n" + "\n".join(blocks)
