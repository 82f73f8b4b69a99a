"""The same feature definitions on Spark local mode give the DuckDB engine's results.

Bit for bit: keys, row order, types, NULLs and values, for lags, rolling windows (their
values are added in one fixed order, or as integers when the column's decimals are declared),
calendar parts (sin/cos are applied with Arrow), and expanding sums and means of declared
decimals. Only the other aggregates over unbounded or std frames (expanding features, rolling
std) are left to each engine's own summation order; those must agree to 1e-12.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

# The DuckDB tests' sample data and feature sets (pytest puts this directory on sys.path).
import test_computation as samples  # pants: no-infer-dep
from pyspark.sql import SparkSession

from brickyard.features import (
    FeatureComputationError,
    FeatureSet,
    compute_features,
    load_feature_set,
    write_features,
)
from brickyard.features.spark import SparkEngine, spark_session

JOB_FEATURES = Path("shared-config/features/weather_daily.toml")


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkEngine]:
    # Two shuffle partitions (Spark's 200 are for clusters), and the JIT and garbage
    # collector of a short run: the JVM starts in about half the time.
    session = spark_session(
        "local[2]",
        config={
            "spark.sql.shuffle.partitions": "2",
            "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        },
    )
    yield SparkEngine(session)
    session.stop()


def assert_same_features(duckdb_result: pa.Table, spark_result: pa.Table) -> None:
    assert spark_result.schema == duckdb_result.schema
    assert spark_result.num_rows == duckdb_result.num_rows
    for name in duckdb_result.column_names:
        expected, got = duckdb_result[name], spark_result[name]
        assert got.is_null().equals(expected.is_null()), f"{name}: NULLs differ"
        if pa.types.is_floating(expected.type):
            want = expected.to_numpy(zero_copy_only=False)
            have = got.to_numpy(zero_copy_only=False)
            assert np.allclose(have, want, rtol=1e-12, atol=1e-12, equal_nan=True), name
        else:
            assert got.equals(expected), f"{name}: values differ"


def test_every_feature_kind_matches_duckdb_across_entities(spark: SparkEngine) -> None:
    table = samples.weather(stations=("north", "south", "east"))
    on_duckdb = compute_features(table, samples.STATION_FEATURES)
    on_spark = compute_features(table, samples.STATION_FEATURES, engine=spark)
    assert_same_features(on_duckdb, on_spark)
    summed_by_engine = {
        f.name
        for f in samples.STATION_FEATURES.features
        if f.kind == "expanding" or getattr(f, "agg", None) == "std"
    }
    exact = [name for name in on_duckdb.column_names if name not in summed_by_engine]
    assert len(exact) == len(on_duckdb.column_names) - 6
    assert on_spark.select(exact).equals(on_duckdb.select(exact))


def test_declared_decimals_make_expanding_sums_and_means_bit_identical(
    spark: SparkEngine,
) -> None:
    table = samples.weather_in_tenths(stations=("north", "south", "east"))
    feature_set = samples.STATION_FEATURES_IN_TENTHS
    on_duckdb = compute_features(table, feature_set)
    on_spark = compute_features(table, feature_set, engine=spark)
    assert_same_features(on_duckdb, on_spark)
    summed_by_engine = {
        f.name
        for f in feature_set.features
        if getattr(f, "agg", None) == "std"
        or (f.kind == "expanding" and f.agg not in ("sum", "mean"))
    }
    exact = [name for name in on_duckdb.column_names if name not in summed_by_engine]
    assert {"temp_max_mean_expanding", "precipitation_sum_expanding"} <= set(exact)
    assert on_spark.select(exact).equals(on_duckdb.select(exact))


def test_the_job_feature_set_matches_duckdb_bit_for_bit(spark: SparkEngine) -> None:
    feature_set = load_feature_set(JOB_FEATURES).with_entity_column("station")
    # The job declares its measurements in tenths, as its data is written.
    table = samples.weather_in_tenths()
    assert compute_features(table, feature_set, engine=spark).equals(
        compute_features(table, feature_set)
    )


def test_gaps_and_nulls_in_one_series(spark: SparkEngine) -> None:
    feature_set = samples.single(
        [
            {"kind": "lag", "column": "temp_max", "days": 1},
            {"kind": "lag", "column": "temp_max", "days": 20},
            {"kind": "rolling", "column": "temp_max", "window_days": 3, "agg": "mean"},
            {"kind": "rolling", "column": "temp_max", "window_days": 3, "agg": "std"},
            {"kind": "expanding", "column": "temp_max", "agg": "max"},
        ]
    )
    table = samples.series_table([*samples.GAPPY, (25, 40.0), (29, 50.0)])
    on_spark = compute_features(table, feature_set, engine=spark)
    assert on_spark["temp_max_lag_20"].to_pylist() == [None] * 6 + [20.0, 30.0]
    assert_same_features(compute_features(table, feature_set), on_spark)


def test_calendar_parts_match_on_leap_and_common_years(spark: SparkEngine) -> None:
    dates = [dt.date(2023, 1, 1) + dt.timedelta(days=d) for d in range(0, 800, 7)]
    table = pa.table(
        {"date": pa.array(dates, pa.date32()), "temp_max": np.arange(len(dates), dtype=float)}
    )
    parts = ["day_of_year", "month", "day_of_week", "is_weekend", "day_of_year_sin"]
    feature_set = samples.single([{"kind": "calendar", "part": part} for part in parts])
    assert_same_features(
        compute_features(table, feature_set), compute_features(table, feature_set, engine=spark)
    )


def test_duplicate_keys_are_rejected_on_spark_too(spark: SparkEngine) -> None:
    table = samples.weather()
    duplicated = pa.concat_tables([table, table.slice(3, 1)])
    with pytest.raises(FeatureComputationError, match="1 row"):
        compute_features(duplicated, samples.STATION_FEATURES, engine=spark)


def test_empty_input_gives_the_same_empty_table(spark: SparkEngine) -> None:
    empty = samples.weather().slice(0, 0)
    assert compute_features(empty, samples.STATION_FEATURES, engine=spark).equals(
        compute_features(empty, samples.STATION_FEATURES)
    )


def test_write_features_on_spark_writes_the_duckdb_file(spark: SparkEngine, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    table = samples.weather_in_tenths()
    feature_set: FeatureSet = load_feature_set(JOB_FEATURES).with_entity_column("station")
    written = write_features(table, feature_set, tmp_path / "spark.parquet", engine=spark)
    assert_same_features(compute_features(table, feature_set), pq.read_table(written))


def test_map_batches_runs_python_in_spark_and_keeps_row_order(spark: SparkEngine) -> None:
    # Many rows over several partitions, in no particular key order.
    rng = np.random.default_rng(3)
    table = pa.table({"x": rng.normal(size=5000), "key": rng.permutation(5000)})
    schema = pa.schema([("key", pa.int64()), ("doubled", pa.float64())])

    def doubled(part: pa.Table) -> pa.Table:
        return pa.table({"key": part["key"], "doubled": pc.multiply(part["x"], 2.0)})

    result = spark.map_batches(table, doubled, schema)
    assert result.schema == schema
    assert result["key"].equals(table["key"])
    assert result["doubled"].to_pylist() == [2.0 * x for x in table["x"].to_pylist()]


def test_a_session_is_reused_and_runs_in_utc(spark: SparkEngine) -> None:
    assert SparkSession.getActiveSession() is spark.session
    assert spark.session.conf.get("spark.sql.session.timeZone") == "UTC"


# Last in this module: the command stops the Spark session it ran on when it is done, and
# that is the module's (a session is reused).
def test_the_features_command_computes_on_spark_what_it_computes_on_duckdb(
    spark: SparkEngine, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    from brickyard.features.cli import main

    source = tmp_path / "weather.parquet"
    pq.write_table(samples.weather_in_tenths(), source)  # the job's set declares tenths
    argv = ["compute", str(source), "--definition", str(JOB_FEATURES), "--entity", "station"]
    on_duckdb, on_spark = tmp_path / "duckdb.parquet", tmp_path / "spark.parquet"
    assert main([*argv, "--out", str(on_duckdb)]) == 0
    assert (
        main([*argv, "--out", str(on_spark), "--engine", "spark", "--spark-master", "local[2]"])
        == 0
    )
    assert_same_features(pq.read_table(on_duckdb), pq.read_table(on_spark))
