"""Benchmark: the main job's features on DuckDB vs Spark local mode, same code and data.

Synthetic station weather (brickyard.ingest.generate_weather, ingested once) is written
to Parquet; each engine then reads it, computes the job's feature set per station with
`write_features` and writes the result to Parquet, in a fresh process so that its peak
memory is its own (for Spark, the JVM's peak is added). Spark's start-up is timed apart
from the computation. Both results are checked to be the same table.

Usage: ./pants run tools/benchmarks/feature_engines.py -- --rows 10000000
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks_doc import REPO, in_fresh_process, machine_line, write_section

CONFIG = REPO / "shared-config"
CONTRACT = CONFIG / "contracts" / "synthetic_weather.toml"
FEATURES = CONFIG / "features" / "weather_daily.toml"


def _peak_rss_mb(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_engine(engine_name: str, inputs: Path, out_dir: Path, cores: int) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from brickyard.features import load_feature_set, write_features

    feature_set = load_feature_set(FEATURES).with_entity_column("station")
    started = time.perf_counter()
    jvm_pid = None
    if engine_name == "duckdb":
        import duckdb

        from brickyard.features import DuckDBEngine

        connection = duckdb.connect(config={"threads": cores, "preserve_insertion_order": False})
        engine: Any = DuckDBEngine(connection)
    else:
        from pyspark import SparkContext

        from brickyard.features.spark import SparkEngine, spark_session

        session = spark_session(
            f"local[{cores}]",
            config={
                "spark.driver.memory": "12g",
                "spark.sql.shuffle.partitions": str(4 * cores),
            },
        )
        engine = SparkEngine(session)
        gateway = SparkContext._gateway
        jvm_pid = gateway.proc.pid if gateway is not None and gateway.proc else None
    ready = time.perf_counter()
    table = pq.read_table(inputs)
    written = write_features(table, feature_set, out_dir / "features.parquet", engine=engine)
    done = time.perf_counter()
    result = {
        "startup_seconds": ready - started,
        "seconds": done - ready,
        "rows": table.num_rows,
        "peak_rss_mb": _peak_rss_mb() + (_peak_rss_mb(jvm_pid) if jvm_pid else 0.0),
        "output": str(written),
    }
    if engine_name == "spark":
        session.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--cores", type=int, default=2, help="Spark local[N] and DuckDB threads")
    args = parser.parse_args()

    import pyarrow.parquet as pq

    from brickyard.ingest import generate_weather, ingest, load_contract

    results: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="brickyard-engines-") as tmp:
            scratch = Path(tmp)
            generate_weather(scratch / "weather.csv", rows, seed=7, defect_rate=0.0)
            accepted = ingest(scratch / "weather.csv", load_contract(CONTRACT), scratch).accepted
            inputs = scratch / "accepted.parquet"
            pq.write_table(accepted, inputs)
            del accepted
            measured = {}
            for engine in ("duckdb", "spark"):
                out_dir = scratch / engine
                out_dir.mkdir()
                measured[engine] = in_fresh_process(run_engine, engine, inputs, out_dir, args.cores)
                print(rows, engine, measured[engine], flush=True)
            same = pq.read_table(measured["duckdb"]["output"]).equals(
                pq.read_table(measured["spark"]["output"])
            )
            if not same:
                raise SystemExit(f"{rows} rows: DuckDB and Spark wrote different features")
            results.append((rows, measured["duckdb"], measured["spark"]))

    lines = []
    for rows, duck, spark in results:
        for name, r in (("DuckDB (in process)", duck), (f"Spark local[{args.cores}]", spark)):
            lines.append(
                f"| {rows:,} | {name} | {r['startup_seconds']:.1f} s | {r['seconds']:.1f} s | "
                f"{r['rows'] / r['seconds']:,.0f} | {r['peak_rss_mb']:,.0f} MB |"
            )
    largest, duck, spark = results[-1]
    ratio = spark["seconds"] / duck["seconds"]
    # Rows per second per core: what one more core buys, if Spark scaled perfectly.
    spark_per_core = largest / spark["seconds"] / args.cores
    duck_rate = largest / duck["seconds"]
    break_even = duck_rate / spark_per_core
    body = f"""## Features on DuckDB vs Spark (tools/benchmarks/feature_engines.py)

The main job's feature set per station on synthetic weather, computed by the same Ibis
expression on each engine and written to Parquet; both files are checked to be identical.
Spark's start-up (JVM and session) is timed apart; the computation includes sending the
Arrow input to Spark and collecting the result.
Machine: {machine_line()}.

| rows | engine | start-up | features | rows/s | peak memory |
|---|---|---|---|---|---|
{chr(10).join(lines)}

At {largest:,} rows Spark local mode takes {ratio:.1f}x DuckDB's time on the same
{args.cores} cores. **Where Spark starts to win:** not on one machine. Even with perfect
scaling, Spark would need about {break_even:.0f} cores at its measured
{spark_per_core:,.0f} rows/s per core to match DuckDB on {args.cores}. Spark earns its place
when the data no longer fits one machine (DuckDB holds the input plus one range of
`batch_rows` rows at a time: {duck['peak_rss_mb']:,.0f} MB here) or when a cluster is already there. This
matches Coiled's TPC-H benchmarks (docs.coiled.io/blog/tpch.html, 2023): up to about
1 TB, where one cloud VM suffices, DuckDB usually beats Spark; beyond one VM only the
distributed engines scale.
"""
    print(body)
    write_section("feature-engines", body)


if __name__ == "__main__":
    main()
