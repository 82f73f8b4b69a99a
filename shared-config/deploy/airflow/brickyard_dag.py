"""Brickyard's scheduled jobs as Airflow DAGs, one per job.

Generated from shared-config/schedules.toml; do not edit.
Regenerate: ./pants run tools/dev -- schedules generate

Any non-zero exit fails the task and Airflow retries it `retries` times whatever the code:
retries are meant for exit 75 (try again later); 1, 64, 65 and 78 fail again and need a
person. The environment names of each job must be set on the workers; BashOperator
passes the worker's environment through.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, CronTriggerTimetable


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
    BashOperator(
        task_id="daily",
        bash_command="/opt/brickyard/jobs/daily.pex --log-format json --output-dir /var/lib/brickyard",
        cwd="/",
    )


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
    BashOperator(
        task_id="train",
        bash_command="/opt/brickyard/jobs/train.pex --log-format json --output-dir /var/lib/brickyard",
        cwd="/",
    )
