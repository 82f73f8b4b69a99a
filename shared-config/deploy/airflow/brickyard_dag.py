"""Brickyard's scheduled jobs as Airflow DAGs, one per job.

Generated from shared-config/schedules.toml; do not edit.
Regenerate: ./pants run tools/dev -- schedules generate
Exit codes (packages/jobs/README.md): only 75 is retried.
      1  a bug or an unclassified error (the log has the traceback)  alert developers
     64  bad command line                                            alert the schedule's owner
     65  unusable input data                                         alert the data owner
     66  an input is missing or unreadable                           alert the operator
     73  an output cannot be created                                 alert the operator
     74  disk full or an I/O error                                   alert the operator
     75  temporary: the data has not arrived, or the same run is on  retry; when the retries run out, alert the operator
     78  bad configuration                                           alert the configuration's owner
  other  killed, out of memory or over its time limit                alert developers

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

RETRYABLE_EXIT_CODE = 75
# Exit code -> what it means, and whom a failure with it concerns.
EXIT_CODES = {
    1: ("a bug or an unclassified error (the log has the traceback)", "developers"),
    64: ("bad command line", "the schedule's owner"),
    65: ("unusable input data", "the data owner"),
    66: ("an input is missing or unreadable", "the operator"),
    73: ("an output cannot be created", "the operator"),
    74: ("disk full or an I/O error", "the operator"),
    75: ("temporary: the data has not arrived, or the same run is on", "the operator"),
    78: ("bad configuration", "the configuration's owner"),
}


class BrickyardJob(BaseOperator):
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
                f"{self.argv[0]} ran over its execution_timeout; alert developers"
            ) from timeout
        if status == 0:
            return
        meaning, alert = EXIT_CODES.get(status, ("killed or an unknown failure", "developers"))
        message = f"{self.argv[0]} exited {status}: {meaning}; alert {alert}"
        if status in self.retryable_exit_codes:
            raise AirflowException(message)
        raise AirflowFailException(message)


# environment: BRICKYARD_ENV
with DAG(
    dag_id="brickyard_daily",
    description="packages/jobs:daily",
    schedule=CronTriggerTimetable("0 6 * * *", timezone="Europe/Amsterdam"),
    start_date=datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Amsterdam")),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "data-platform@brickyard.example",
        "retries": 6,
        "retry_delay": timedelta(seconds=1800),
        "execution_timeout": timedelta(seconds=3600),
    },
    tags=["brickyard"],
):
    BrickyardJob(task_id="daily", argv=["/opt/brickyard/jobs/daily.pex", "--log-format", "json", "--output-dir", "/var/lib/brickyard"])


# environment: BRICKYARD_ENV
with DAG(
    dag_id="brickyard_train",
    description="packages/jobs:train",
    schedule=CronTriggerTimetable("0 5 * * 1", timezone="Europe/Amsterdam"),
    start_date=datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Amsterdam")),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "data-platform@brickyard.example",
        "retries": 2,
        "retry_delay": timedelta(seconds=900),
        "execution_timeout": timedelta(seconds=7200),
    },
    tags=["brickyard"],
):
    BrickyardJob(task_id="train", argv=["/opt/brickyard/jobs/train.pex", "--log-format", "json", "--output-dir", "/var/lib/brickyard"])
