"""The jobs on Spark local mode report what they report on DuckDB.

Tagged `spark` in tests/BUILD: `./pants --tag=-spark test ::` skips it; CI runs it.
The jobs run in this process on a slice of the sample with small model settings: one JVM
serves every Spark run of the module, with two shuffle partitions (still more than one, so
the results must not depend on how rows are split) and settings for short runs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from brickyard.core import ExitCode
from brickyard.ingest import seattle_weather_path
from brickyard.jobs.cli import daily_main, pipeline_main, train_main

SPARK = ["--engine", "spark", "--spark-master", "local[2]"]
TRAINED_ON, AS_OF = "2012-06-30", "2012-07-18"
SHORT_RUN_JVM = (
    '--driver-java-options "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC" '
    "--conf spark.sql.shuffle.partitions=2"
)
SMALL_MODEL = [
    *("--set", "model.max_iter=10"),
    *("--set", "backtest.n_splits=1"),
    *("--set", "backtest.test_days=30"),
]


def run_outputs(output_dir: Path) -> dict[str, object]:
    run_dir = output_dir / "runs" / AS_OF
    return {
        "summary": json.loads((run_dir / "summary.json").read_text()),
        "forecast": (run_dir / "forecast.csv").read_text(),
        "report": (run_dir / "report.html").read_bytes(),
    }


@dataclass(frozen=True)
class Runs:
    daily_on_duckdb: dict[str, object]  # daily for AS_OF with a model trained on DuckDB
    daily_on_spark: dict[str, object]  # the same day, the same model, on Spark
    pipeline_on_duckdb: dict[str, object]
    pipeline_on_spark: dict[str, object]


@pytest.fixture(scope="module")
def spark_settings() -> Iterator[None]:
    """The module's JVM: two shuffle partitions (Spark's 200 are for clusters), and the JIT
    and garbage collector of a short run, which start in about half the time."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYSPARK_SUBMIT_ARGS", f"{SHORT_RUN_JVM} pyspark-shell")
        yield


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, spark_settings: None) -> Runs:
    root = tmp_path_factory.mktemp("spark")
    with seattle_weather_path() as sample:
        header, *days = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    source = root / "weather.csv"
    source.write_text(
        "".join([header, *(day for day in days if day[:10].replace("/", "-") <= AS_OF)]),
        encoding="utf-8",
    )

    def run(
        main: Callable[[list[str]], int], output_dir: Path, as_of: str, *extra: str
    ) -> dict[str, object]:
        options = ["--output-dir", str(output_dir), "--as-of", as_of]
        code = main([*options, "--set", f"dataset.source={source}", *SMALL_MODEL, *extra])
        assert code == ExitCode.OK
        return run_outputs(output_dir) if as_of == AS_OF else {}

    daily = root / "daily"
    run(train_main, daily, TRAINED_ON)
    daily_on_duckdb = run(daily_main, daily, AS_OF)
    shutil.rmtree(daily / "runs")
    return Runs(
        daily_on_duckdb=daily_on_duckdb,
        daily_on_spark=run(daily_main, daily, AS_OF, *SPARK),
        pipeline_on_duckdb=run(pipeline_main, root / "duckdb", AS_OF),
        pipeline_on_spark=run(pipeline_main, root / "spark", AS_OF, *SPARK),
    )


def test_daily_on_spark_reports_the_numbers_of_daily_on_duckdb(runs: Runs) -> None:
    on_duckdb, on_spark = runs.daily_on_duckdb, runs.daily_on_spark
    assert on_spark["summary"] == on_duckdb["summary"]
    assert on_spark["forecast"] == on_duckdb["forecast"]
    # Same numbers, same figures: the HTML report is byte for byte the same.
    assert on_spark["report"] == on_duckdb["report"]


def test_pipeline_trains_and_reports_the_same_on_spark(runs: Runs) -> None:
    on_duckdb, on_spark = runs.pipeline_on_duckdb, runs.pipeline_on_spark
    assert on_spark["summary"] == on_duckdb["summary"]
    assert on_spark["forecast"] == on_duckdb["forecast"]


def test_an_unreachable_spark_master_is_a_configuration_error(tmp_path: Path) -> None:
    code = pipeline_main(
        ["--output-dir", str(tmp_path), "--engine", "spark", "--spark-master", "nonsense://x"]
    )
    assert code == ExitCode.CONFIG
    assert not (tmp_path / "runs").exists()
