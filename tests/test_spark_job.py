"""The jobs on Spark local mode report what they report on DuckDB.

Tagged `spark` in tests/BUILD: `./pants --tag=-spark test ::` skips it; CI runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from brickyard.core import ExitCode
from brickyard.jobs.cli import daily_main, pipeline_main, train_main

SPARK = ["--engine", "spark", "--spark-master", "local[2]"]
AS_OF = "2015-12-31"


def run_outputs(output_dir: Path, as_of: str = AS_OF) -> dict[str, object]:
    run_dir = output_dir / "runs" / as_of
    return {
        "summary": json.loads((run_dir / "summary.json").read_text()),
        "forecast": (run_dir / "forecast.csv").read_text(),
        "report": (run_dir / "report.html").read_bytes(),
    }


def test_daily_on_spark_reports_the_numbers_of_daily_on_duckdb(tmp_path: Path) -> None:
    out = ["--output-dir", str(tmp_path)]
    assert train_main([*out, "--as-of", "2015-09-30"]) == ExitCode.OK
    assert daily_main([*out, "--as-of", AS_OF]) == ExitCode.OK
    on_duckdb = run_outputs(tmp_path)
    shutil.rmtree(tmp_path / "runs")

    assert daily_main([*out, "--as-of", AS_OF, *SPARK]) == ExitCode.OK
    on_spark = run_outputs(tmp_path)

    assert on_spark["summary"] == on_duckdb["summary"]
    assert on_spark["forecast"] == on_duckdb["forecast"]
    # Same numbers, same figures: the HTML report is byte for byte the same.
    assert on_spark["report"] == on_duckdb["report"]


def test_pipeline_trains_and_reports_the_same_on_spark(tmp_path: Path) -> None:
    duckdb_dir, spark_dir = tmp_path / "duckdb", tmp_path / "spark"
    assert pipeline_main(["--output-dir", str(duckdb_dir)]) == ExitCode.OK
    assert pipeline_main(["--output-dir", str(spark_dir), *SPARK]) == ExitCode.OK
    on_duckdb, on_spark = run_outputs(duckdb_dir), run_outputs(spark_dir)
    assert on_spark["summary"] == on_duckdb["summary"]
    assert on_spark["forecast"] == on_duckdb["forecast"]


def test_an_unreachable_spark_master_is_a_configuration_error(tmp_path: Path) -> None:
    code = pipeline_main(
        ["--output-dir", str(tmp_path), "--engine", "spark", "--spark-master", "nonsense://x"]
    )
    assert code == ExitCode.CONFIG
    assert not (tmp_path / "runs").exists()


def test_the_default_executable_has_no_pyspark_and_says_what_to_run(tmp_path: Path) -> None:
    # packages/jobs:pipeline, built into the sandbox; it runs without Spark's 300 MB.
    executable = Path("jobs/pipeline.pex").absolute()
    result = subprocess.run(
        [executable, "--output-dir", str(tmp_path), "--engine", "spark"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        timeout=600,
    )
    assert result.returncode == ExitCode.CONFIG, result.stderr
    assert "needs pyspark" in result.stderr
    assert "jobs/<job>-spark.pex" in result.stderr
