"""Check the generated files with the tools that consume them.

Each validator returns a one-line summary or raises DevError. A consumer that is not
installed is a failure, never a silent pass: CI must install what the checks need.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from croniter import CroniterError, croniter

from brickyard_dev.errors import DevError
from brickyard_dev.schedules import airflow_probe
from brickyard_dev.schedules.cronspec import to_on_calendar
from brickyard_dev.schedules.exit_policy import EXIT_POLICY, RETRYABLE_EXIT_CODE
from brickyard_dev.schedules.generators import (
    AIRFLOW_OPERATOR,
    AIRFLOW_PATH,
    CRONTAB_PATH,
    cronjob_path,
    dag_id,
    job_argv,
    unit_name,
)
from brickyard_dev.schedules.manifest import Job, Manifest

AIRFLOW_PYTHON_VARIABLE = "BRICKYARD_AIRFLOW_PYTHON"
SYSTEM_UNIT_DIRS = ("/usr/lib/systemd/system", "/lib/systemd/system")
# Compare fire times from a fixed moment just before a DST change, so a conversion that
# gets time zones wrong shows up.
CALENDAR_BASE = datetime(2024, 3, 25, tzinfo=UTC)
CALENDAR_ITERATIONS = 12
# A scheduled Airflow run just after the spring DST change in Europe: its {as_of} is 2024-03-30.
AIRFLOW_RUN_AFTER = datetime(2024, 3, 31, 4, 0, tzinfo=UTC)
_ENV_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)")
_ELAPSE = re.compile(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC")


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    message: str


def run_validators(
    deploy_dir: Path, manifest: Manifest, airflow_python: str | None
) -> list[Outcome]:
    """Run every validator; each failure is reported, none stops the others."""
    checks: list[tuple[str, Callable[[], str]]] = [
        ("cron", lambda: validate_crontab(deploy_dir / CRONTAB_PATH, manifest)),
        ("systemd", lambda: validate_systemd(deploy_dir / "systemd", manifest)),
        ("kubernetes", lambda: validate_kubernetes(deploy_dir / "kubernetes", manifest)),
        ("airflow", lambda: validate_airflow(deploy_dir / AIRFLOW_PATH, manifest, airflow_python)),
    ]
    outcomes = []
    for name, check in checks:
        try:
            outcomes.append(Outcome(name, True, check()))
        except DevError as error:
            outcomes.append(Outcome(name, False, str(error)))
    return outcomes


def validate_crontab(path: Path, manifest: Manifest) -> str:
    """Every entry parses with croniter and `sh -n`, and matches its job's schedule and zone."""
    shell = _require_program("sh", "the crontab commands", "dash or bash")
    entries: list[tuple[int, str, str | None, str]] = []
    time_zone: str | None = None
    for number, line in enumerate(_read(path).splitlines(), start=1):
        where = f"{path}:{number}"
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        assignment = _ENV_LINE.fullmatch(stripped)
        if assignment:
            if assignment.group(1) == "CRON_TZ":
                time_zone = _zone(assignment.group(2), where)
            continue
        fields = stripped.split(None, 5)
        if len(fields) < 6:
            raise DevError(f"{where}: expected 5 schedule fields and a command: {line!r}")
        expression = " ".join(fields[:5])
        try:
            croniter.expand(expression)
            croniter(expression, datetime(2024, 1, 1, tzinfo=ZoneInfo(time_zone or "UTC")))
        except (CroniterError, ValueError) as error:
            raise DevError(f"{where}: croniter rejects {expression!r}: {error}") from None
        command = _cron_command(fields[5], where)
        result = subprocess.run(
            [shell, "-n", "-c", command], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise DevError(f"{where}: sh -n rejects the command: {result.stderr.strip()}")
        entries.append((number, expression, time_zone, command))
    jobs = manifest.sorted_jobs()
    if len(entries) != len(jobs):
        raise DevError(f"{path}: {len(entries)} entries for {len(jobs)} jobs")
    for (number, expression, time_zone, command), job in zip(entries, jobs, strict=True):
        where = f"{path}:{number} (job {job.name!r})"
        if (expression, time_zone) != (job.schedule, job.timezone):
            raise DevError(
                f"{where}: runs {expression!r} in {time_zone}; the manifest says "
                f"{job.schedule!r} in {job.timezone}"
            )
        if f" {job.executable} " not in command:
            raise DevError(f"{where}: does not run {job.executable}")
    return f"{len(entries)} entries in {path.name} parsed by croniter and sh -n"


def validate_systemd(unit_dir: Path, manifest: Manifest) -> str:
    """`systemd-analyze verify` on every unit, and the timers' fire times equal croniter's."""
    analyze = _require_program("systemd-analyze", "the systemd units", "systemd")
    system_units = next((Path(path) for path in SYSTEM_UNIT_DIRS if Path(path).is_dir()), None)
    if system_units is None:
        raise DevError(
            f"no system unit directory ({' or '.join(SYSTEM_UNIT_DIRS)}): "
            "systemd-analyze verify needs sysinit.target and timers.target from it"
        )
    units = []
    for job in manifest.sorted_jobs():
        for suffix in (".service", ".timer"):
            path = unit_dir / f"{unit_name(job)}{suffix}"
            _read(path)
            units.append(path)
    with tempfile.TemporaryDirectory(prefix="brickyard-systemd-") as temporary:
        # A throwaway root: the real units resolve the dependencies, stubs stand in for the
        # executables (verify refuses an ExecStart whose binary does not exist).
        root = Path(temporary)
        shutil.copytree(system_units, root / "usr/lib/systemd/system", symlinks=True)
        installed = root / "etc/systemd/system"
        installed.mkdir(parents=True)
        executables = {job.executable for job in manifest.jobs}
        for unit in units:
            shutil.copy(unit, installed / unit.name)
            executables.update(_exec_start_programs(unit))
        for program in executables:
            stub = root / program.lstrip("/")
            stub.parent.mkdir(parents=True, exist_ok=True)
            if not stub.exists():
                stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
                stub.chmod(0o755)
        result = subprocess.run(
            [analyze, "verify", f"--root={root}", "--man=no"]
            + [str(installed / unit.name) for unit in units],
            capture_output=True,
            text=True,
            check=False,
        )
    # verify exits 0 on "Unknown key ..., ignoring" and similar: any output is a finding.
    output = (result.stdout + result.stderr).replace(str(installed) + "/", "").strip()
    if result.returncode != 0 or output:
        raise DevError(
            f"systemd-analyze verify (exit {result.returncode}) on {unit_dir}:\n{output}"
        )
    for job in manifest.sorted_jobs():
        _compare_fire_times(analyze, job, unit_dir / f"{unit_name(job)}.timer")
    return (
        f"systemd-analyze verify passed {len(units)} units; timers fire when croniter says "
        f"({CALENDAR_ITERATIONS} runs each)"
    )


def validate_kubernetes(cronjob_dir: Path, manifest: Manifest) -> str:
    """Each CronJob deserializes into the official client's V1CronJob without losing a key."""
    try:
        from kubernetes.client import ApiClient
    except ImportError:
        raise DevError(
            "the kubernetes Python client is not installed: "
            "pip install kubernetes==37.0.2 (it holds the official CronJob models)"
        ) from None
    api = ApiClient()
    serialize: Callable[[Any], Any] = api.sanitize_for_serialization
    for job in manifest.sorted_jobs():
        path = cronjob_dir.parent / cronjob_path(job)
        try:
            document = yaml.safe_load(_read(path))
        except yaml.YAMLError as error:
            raise DevError(f"{path} is not valid YAML: {error}") from None
        try:
            cron_job = api.deserialize(json.dumps(document), "V1CronJob", "application/json")
        except (ValueError, TypeError) as error:
            raise DevError(f"{path}: not a valid V1CronJob: {error}") from None
        lost = _first_difference(document, serialize(cron_job))
        if lost is not None:
            raise DevError(
                f"{path}: {lost} does not survive loading into V1CronJob "
                "(a key batch/v1 CronJob does not have, or a wrong type)"
            )
        _check_cronjob(cron_job, job, path)
    return f"{len(manifest.jobs)} CronJobs load as kubernetes.client V1CronJob with all fields"


def validate_airflow(dag_file: Path, manifest: Manifest, airflow_python: str | None) -> str:
    """Airflow imports the DAG file without errors and sees each job's schedule and retries."""
    python = airflow_python or os.environ.get(AIRFLOW_PYTHON_VARIABLE)
    if not python:
        raise DevError(
            "no Python with Airflow to import the DAGs: pass --airflow-python or set "
            f"{AIRFLOW_PYTHON_VARIABLE}, e.g. after python3 -m venv /tmp/airflowvenv && "
            "/tmp/airflowvenv/bin/pip install apache-airflow==3.3.2"
        )
    # The probe runs in Airflow's interpreter, which does not have this package: send its source.
    source = inspect.getsource(airflow_probe)
    content = _read(dag_file)
    with tempfile.TemporaryDirectory(prefix="brickyard-airflow-") as temporary:
        # A copy in a scratch folder: importing must not leave __pycache__ in deploy/.
        work = Path(temporary)
        (work / "dags").mkdir()
        (work / "dags" / dag_file.name).write_text(content, encoding="utf-8")
        report_path = work / "report.json"
        run_after = AIRFLOW_RUN_AFTER.isoformat()
        environment = {
            **os.environ,
            "AIRFLOW_HOME": str(work / "home"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(work / "dags"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        try:
            result = subprocess.run(
                [python, "-c", source, str(work / "dags"), str(report_path), run_after],
                capture_output=True,
                text=True,
                check=False,
                cwd=work,
                env=environment,
                timeout=600,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise DevError(f"cannot run the Airflow interpreter {python}: {error}") from None
        if result.returncode != 0 or not report_path.is_file():
            raise DevError(
                f"{python} could not load the DAGs (is apache-airflow 3.3 installed there?):\n"
                + "\n".join(result.stderr.strip().splitlines()[-15:])
            )
        report = json.loads(report_path.read_text(encoding="utf-8"))
    if report["import_errors"]:
        errors = "\n".join(str(error) for error in report["import_errors"].values())
        raise DevError(f"Airflow cannot import {dag_file}:\n{errors.strip()}")
    dags: dict[str, Any] = report["dags"]
    expected = {dag_id(job): job for job in manifest.jobs}
    if set(dags) != set(expected):
        raise DevError(
            f"{dag_file}: Airflow sees DAGs {sorted(dags)}; the manifest has {sorted(expected)}"
        )
    for name, job in sorted(expected.items()):
        _check_dag(dags[name], job, dag_file, manifest)
    # AirflowFailException ends the task without a retry; AirflowException is retried.
    outcomes = {"0": "ok"} | {
        str(policy.code): "AirflowException" if policy.retry else "AirflowFailException"
        for policy in EXIT_POLICY
    }
    _expect(f"{dag_file}: a task whose job exits", "each code", report["exit_outcomes"], outcomes)
    return (
        f"Airflow {report['airflow_version']} imports {dag_file.name}: "
        f"{', '.join(sorted(dags))} with the manifest's schedules, and retries only exit "
        f"{RETRYABLE_EXIT_CODE} (tried: {', '.join(report['exit_outcomes'])})"
    )


def _check_dag(dag: Mapping[str, Any], job: Job, dag_file: Path, manifest: Manifest) -> None:
    where = f"{dag_file}: DAG {dag_id(job)!r}"
    start = manifest.deploy.airflow_start_date
    expected_start = datetime(start.year, start.month, start.day, tzinfo=ZoneInfo(job.timezone))
    as_of = AIRFLOW_RUN_AFTER.astimezone(ZoneInfo(job.timezone)).date() - timedelta(days=1)
    task = {
        "operator": AIRFLOW_OPERATOR,
        "owner": job.owner,
        "retries": job.retries,
        "retry_delay_seconds": float(job.retry_delay_seconds),
        "execution_timeout_seconds": float(job.timeout_seconds),
        "cwd": "/",
        "retryable_exit_codes": [RETRYABLE_EXIT_CODE],
        "rendered_argv": job_argv(job, as_of.isoformat() if job.has_as_of else None),
    }
    actual_start = dag["start_date"] and datetime.fromisoformat(dag["start_date"])
    _expect(where, "timetable", dag["timetable"], "CronTriggerTimetable")
    _expect(where, "schedule", dag["schedule"], job.schedule)
    _expect(where, "time zone", dag["timezone"], job.timezone)
    _expect(where, "start_date", actual_start, expected_start)
    _expect(where, "catchup", dag["catchup"], False)
    _expect(where, "max_active_runs", dag["max_active_runs"], 1)
    _expect(where, "tasks", sorted(dag["tasks"]), [job.name])
    for key, value in task.items():
        _expect(f"{where}, task {job.name!r}", key, dag["tasks"][job.name][key], value)


def _check_cronjob(cron_job: Any, job: Job, path: Path) -> None:
    where = f"{path} (job {job.name!r})"
    spec = cron_job.spec
    job_spec = spec.job_template.spec
    pod = job_spec.template.spec
    _expect(where, "apiVersion", cron_job.api_version, "batch/v1")
    _expect(where, "kind", cron_job.kind, "CronJob")
    _expect(where, "spec.schedule", spec.schedule, job.schedule)
    _expect(where, "spec.timeZone", spec.time_zone, job.timezone)
    _expect(where, "spec.concurrencyPolicy", spec.concurrency_policy, "Forbid")
    _expect(where, "backoffLimit", job_spec.backoff_limit, job.retries)
    _expect(where, "restartPolicy", pod.restart_policy, "Never")
    _expect(where, "activeDeadlineSeconds", pod.active_deadline_seconds, job.timeout_seconds)
    if not croniter.is_valid(spec.schedule):
        raise DevError(f"{where}: croniter rejects spec.schedule {spec.schedule!r}")
    rules = job_spec.pod_failure_policy.rules if job_spec.pod_failure_policy else []
    fatal = [
        (rule.on_exit_codes.operator, rule.on_exit_codes.values)
        for rule in rules
        if rule.action == "FailJob" and rule.on_exit_codes is not None
    ]
    _expect(where, "podFailurePolicy FailJob exit codes", fatal, [("NotIn", [RETRYABLE_EXIT_CODE])])
    _expect(where, "containers", len(pod.containers), 1)
    container = pod.containers[0]
    if not container.image or not container.command:
        raise DevError(f"{where}: the container needs an image and a command")
    _expect(where, "command", container.command, [job.executable])
    variables = container.env or []
    _expect(where, "env names", [variable.name for variable in variables], job.environment)
    for variable in variables:
        if variable.value is not None or variable.value_from is None:
            raise DevError(
                f"{where}: env {variable.name} must come from a Secret/ConfigMap (valueFrom), "
                "never a literal value"
            )


def _compare_fire_times(analyze: str, job: Job, timer: Path) -> None:
    calendar = to_on_calendar(job.schedule, job.timezone)
    if f"OnCalendar={calendar}\n" not in _read(timer):
        raise DevError(f"{timer}: expected OnCalendar={calendar}")
    base_time = f"--base-time=@{int(CALENDAR_BASE.timestamp())}"
    result = subprocess.run(
        [analyze, "calendar", f"--iterations={CALENDAR_ITERATIONS}", base_time, calendar],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TZ": "UTC"},
    )
    systemd_times = _ELAPSE.findall(result.stdout)
    if result.returncode != 0 or len(systemd_times) != CALENDAR_ITERATIONS:
        raise DevError(
            f"{timer}: systemd-analyze calendar {calendar!r} failed: "
            f"{(result.stderr or result.stdout).strip()}"
        )
    schedule = croniter(job.schedule, CALENDAR_BASE.astimezone(ZoneInfo(job.timezone)))
    cron_times = [
        schedule.get_next(datetime).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        for _ in range(CALENDAR_ITERATIONS)
    ]
    if systemd_times != cron_times:
        raise DevError(
            f"{timer}: OnCalendar={calendar} fires at {systemd_times[:3]}... (UTC) but cron "
            f"{job.schedule!r} in {job.timezone} at {cron_times[:3]}..."
        )


def _exec_start_programs(unit: Path) -> list[str]:
    programs = []
    for line in _read(unit).splitlines():
        if line.startswith("ExecStart="):
            program = line.removeprefix("ExecStart=").lstrip("-@:+!").split()[0]
            programs.append(program.strip('"'))
    return programs


def _cron_command(text: str, where: str) -> str:
    """The command cron hands to the shell: `\\%` is a literal %, a bare % ends the command."""
    if re.search(r"(?<!\\)%", text):
        raise DevError(f"{where}: unescaped % in the command (cron turns it into a line break)")
    return text.replace("\\%", "%")


def _first_difference(expected: Any, actual: Any, path: str = "") -> str | None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                return where
            found = _first_difference(expected[key], actual[key], where)
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            found = _first_difference(left, right, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if expected == actual else f"{path} = {expected!r}"


def _expect(where: str, what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise DevError(f"{where}: {what} is {actual!r}; expected {expected!r}")


def _require_program(name: str, checks: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DevError(f"{name} is not on PATH, so {checks} cannot be checked: install {package}")
    return path


def _zone(name: str, where: str) -> str:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):
        raise DevError(f"{where}: unknown time zone {name!r}") from None
    return name


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise DevError(f"cannot read {path}: {error.strerror}; run `generate` first") from None
