"""One manifest of scheduled jobs, generated into cron, systemd, Kubernetes and Airflow files.

manifest = load_manifest(Path("shared-config/schedules.toml"), read_job_targets(Path(".")))
write_outputs(Path("shared-config/deploy"), render_all(manifest))
"""

from brickyard_schedules.cronspec import CronSchedule, parse_cron, to_on_calendar
from brickyard_schedules.errors import (
    CronConversionError,
    ManifestError,
    ScheduleError,
    ValidatorError,
)
from brickyard_schedules.generators import render_all, stale_outputs, write_outputs
from brickyard_schedules.manifest import Deploy, Job, Manifest, load_manifest, read_job_targets
from brickyard_schedules.validators import Outcome, run_validators

__all__ = [
    "CronConversionError",
    "CronSchedule",
    "Deploy",
    "Job",
    "Manifest",
    "ManifestError",
    "Outcome",
    "ScheduleError",
    "ValidatorError",
    "load_manifest",
    "parse_cron",
    "read_job_targets",
    "render_all",
    "run_validators",
    "stale_outputs",
    "to_on_calendar",
    "write_outputs",
]
