"""Command lines of the scheduled jobs; each `*_main` is a PEX entry point.

A main returns the process exit code (`brickyard.core.ExitCode`; a failure's own code, see
`brickyard.jobs.errors`), so cron, systemd, Kubernetes and Airflow all see success,
retryable and fatal failures apart.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import get_args

from brickyard.core import CommandParser, configure_logging, report_failure, run_command
from brickyard.jobs.errors import ConfigError
from brickyard.jobs.pipeline import JOBS, JobContext, run_job
from brickyard.jobs.settings import EngineName, Settings, load_settings

log = logging.getLogger("brickyard.jobs")


def _parser(job: str, description: str) -> argparse.ArgumentParser:
    parser = CommandParser(prog=job, description=description, log_format_default="run.log_format")
    parser.add_argument(
        "--as-of",
        type=_parse_date,
        help="replay this day (YYYY-MM-DD); default: the latest day in the data",
    )
    parser.add_argument("--env", help="configuration environment (shared-config/env/<ENV>.toml)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one configuration value; repeatable",
    )
    parser.add_argument(
        "--engine",
        choices=get_args(EngineName),
        help="where features are computed and scored (default: engine.name)",
    )
    parser.add_argument(
        "--spark-master",
        metavar="URL",
        help="Spark master, e.g. local[2] or spark://host:7077 (default: engine.spark_master)",
    )
    parser.add_argument("--config-dir", type=Path, help="a shared-config directory to use instead")
    parser.add_argument("--output-dir", type=Path, help="where outputs go (default: output.dir)")
    return parser


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2015-12-31") from None


def _main(job: str, description: str, argv: Sequence[str] | None) -> int:
    args = _parser(job, description).parse_args(argv)
    try:
        settings = load_settings(
            args.config_dir,
            args.env,
            args.overrides,
            engine=args.engine,
            spark_master=args.spark_master,
            log_format=args.log_format,
        )
    except ConfigError as error:
        # No settings to say the log format: the command line's, or readable text.
        configure_logging(args.log_format or "text")
        return report_failure(log, job, error)
    configure_logging(settings.run.log_format)
    return run_command(job, lambda: run_job(_context(job, settings, args), JOBS[job]), log)


def _context(job: str, settings: Settings, args: argparse.Namespace) -> JobContext:
    output_dir = args.output_dir or Path(settings.output.dir)
    return JobContext(
        job=job,
        settings=settings,
        as_of=args.as_of,
        output_dir=output_dir.absolute(),
        config_dir=args.config_dir,
    )


def pipeline_main(argv: Sequence[str] | None = None) -> int:
    return _main(
        "pipeline",
        "Ingest, build features, train with backtest, score and report, in one run.",
        argv,
    )


def train_main(argv: Sequence[str] | None = None) -> int:
    return _main("train", "Train and backtest the model on data up to --as-of.", argv)


def daily_main(argv: Sequence[str] | None = None) -> int:
    return _main("daily", "Score with the current model and write the report for --as-of.", argv)
