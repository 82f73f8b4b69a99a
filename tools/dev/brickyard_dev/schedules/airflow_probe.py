"""Load DAG files the way Airflow does and report what it saw, as JSON.

Runs inside an Airflow installation (apache-airflow 3.3), not this tool's environment, so
it uses only the standard library and Airflow. The Airflow validator passes its source to
that interpreter: `python -c SOURCE DAG_FOLDER OUTPUT_JSON RUN_AFTER_ISO`.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any


def describe(dag_folder: str, run_after: datetime) -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag  # pants: no-infer-dep
    from airflow.version import version  # pants: no-infer-dep

    bag = DagBag(dag_folder=dag_folder)
    dags = {}
    for dag_id, dag in sorted(bag.dags.items()):
        template_env = dag.get_template_env()
        tasks = {}
        for task in dag.tasks:
            timeout = task.execution_timeout
            argv = getattr(task, "argv", None)
            retryable = getattr(task, "retryable_exit_codes", None)
            tasks[task.task_id] = {
                "operator": type(task).__name__,
                "owner": task.owner,
                "retries": task.retries,
                "retry_delay_seconds": task.retry_delay.total_seconds(),
                "execution_timeout_seconds": None if timeout is None else timeout.total_seconds(),
                "cwd": getattr(task, "cwd", None),
                "retryable_exit_codes": None if retryable is None else list(retryable),
                # Rendered with the DAG's own Jinja environment and macros, as a worker would.
                "rendered_argv": None
                if argv is None
                else [
                    template_env.from_string(arg).render(
                        dag_run=SimpleNamespace(run_after=run_after)
                    )
                    for arg in argv
                ],
            }
        timetable = dag.timetable
        dags[dag_id] = {
            "timetable": type(timetable).__name__,
            "schedule": getattr(timetable, "expression", None),
            "timezone": str(getattr(timetable, "timezone", None)),
            "start_date": None if dag.start_date is None else dag.start_date.isoformat(),
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "tasks": tasks,
        }
    return {
        "exit_outcomes": _exit_outcomes(bag),
        "airflow_version": version,
        "import_errors": {str(path): str(error) for path, error in bag.import_errors.items()},
        "dags": dags,
    }


def _exit_outcomes(bag: Any) -> dict[str, str]:
    """What a task of the DAG file raises when its job exits with each code: "ok", or the
    exception's name (AirflowFailException means no retry)."""
    tasks = [task for dag in bag.dags.values() for task in dag.tasks]
    if not tasks:
        return {}
    operator = type(tasks[0])
    outcomes = {}
    for code in (0, 1, 64, 65, 66, 73, 74, 75, 78):
        task = operator(task_id=f"exit_{code}", argv=["/bin/sh", "-c", f"exit {code}"])
        try:
            task.execute({})
            outcomes[str(code)] = "ok"
        except Exception as error:  # the outcome is what is being reported
            outcomes[str(code)] = type(error).__name__
    return outcomes


def main(argv: list[str]) -> int:
    dag_folder, output, run_after = argv
    report = describe(dag_folder, datetime.fromisoformat(run_after))
    Path(output).write_text(json.dumps(report, indent=2, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
