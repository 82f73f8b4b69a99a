"""Benchmark: ingest + features on synthetic station weather: Brickyard, pandas and Polars.

Every side does the same work on the same CSV: read it, type and validate every row
against the synthetic_weather contract (types, nulls, ranges, allowed values, duplicate
keys), write the accepted rows to Parquet and the rejects to CSV, then compute the main
job's feature set per station and write it to Parquet. Brickyard runs on DuckDB; pandas is
the straightforward code a data scientist would write; Polars is written as a skilled Polars
user would (lazy, `rolling_*_by` per station, lags by join). The three feature files are
then checked equal.

Each side runs in its own freshly spawned interpreter, started by a parent that holds
nothing but this script, and reports its own peak memory: the high-water mark of its own
address space (VmHWM), which, unlike `ru_maxrss`, a child does not inherit from its parent.

Usage: ./pants run tools/benchmarks/ingest_features.py -- --rows 10000000
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from benchmarks_doc import REPO, in_fresh_process, machine_line, write_section

CONFIG = REPO / "shared-config"
CONTRACT = CONFIG / "contracts" / "synthetic_weather.toml"
FEATURES = CONFIG / "features" / "weather_daily.toml"
# The feature files must agree to this, value by value (NULLs in the same places).
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12


def cpu_seconds() -> float:
    """CPU time of this process, all threads: the work done, whatever else the machine runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def generate(csv_path: Path, rows: int, defect_rate: float) -> dict[str, Any]:
    from brickyard.ingest import generate_weather

    start = time.perf_counter()
    generate_weather(csv_path, rows, seed=7, defect_rate=defect_rate)
    return {"seconds": time.perf_counter() - start}


def run_brickyard(csv_path: Path, out_dir: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from brickyard.features import load_feature_set, write_features
    from brickyard.ingest import ingest, load_contract

    start, cpu_at_start = time.perf_counter(), cpu_seconds()
    result = ingest(csv_path, load_contract(CONTRACT), out_dir)
    ingested = time.perf_counter()
    feature_set = load_feature_set(FEATURES).with_entity_column("station")
    features = write_features(result.accepted, feature_set, out_dir / "features.parquet")
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "cpu_seconds": cpu_seconds() - cpu_at_start,
        "ingest_seconds": ingested - start,
        "features_seconds": end - ingested,
        "read": result.read_count,
        "accepted": result.accepted_count,
        "feature_rows": pq.ParquetFile(features).metadata.num_rows,
        "features_file": str(features),
    }


def run_read_only(csv_path: Path, out_dir: Path) -> dict[str, Any]:
    """DuckDB reading the CSV into Arrow with no checks at all: the floor under any ingest
    of this file on this engine."""
    import duckdb

    start = time.perf_counter()
    with duckdb.connect(config={"preserve_insertion_order": False}) as con:
        table = con.sql("SELECT * FROM read_csv(?, header = true)", params=[str(csv_path)])
        rows = table.to_arrow_table().num_rows
    return {"seconds": time.perf_counter() - start, "read": rows}


def run_features_folded(csv_path: Path, out_dir: Path) -> dict[str, Any]:
    """Brickyard's feature step on the accepted rows with no decimals declared: sums and means
    then add their values in one fixed order instead of as integers. What declaring the
    data's precision saves."""
    import pyarrow.parquet as pq

    from brickyard.features import load_feature_set, write_features

    feature_set = load_feature_set(FEATURES).with_entity_column("station")
    accepted = pq.read_table(out_dir / "synthetic_weather.parquet")
    start = time.perf_counter()
    write_features(
        accepted, feature_set.model_copy(update={"decimals": {}}), out_dir / "folded.parquet"
    )
    return {"seconds": time.perf_counter() - start}


def run_pandas(csv_path: Path, out_dir: Path) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from brickyard.features import CalendarFeature, LagFeature, RollingFeature, load_feature_set
    from brickyard.ingest import load_contract

    start, cpu_at_start = time.perf_counter(), cpu_seconds()
    contract = load_contract(CONTRACT)
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    read = len(raw)
    bad = pd.Series(False, index=raw.index)
    typed = pd.DataFrame(index=raw.index)
    for column in contract.columns:
        text = raw[column.name]
        if column.type == "date":
            values = pd.to_datetime(text, format=column.format, errors="coerce")
        elif column.type == "float":
            values = pd.to_numeric(text, errors="coerce")
        else:
            values = text.where(text != "")
        bad |= values.isna()
        if column.min is not None:
            bad |= values < column.min
        if column.max is not None:
            bad |= values > column.max
        if column.allowed:
            bad |= ~values.isin(column.allowed)
        typed[column.name] = values
    bad |= typed.duplicated(subset=list(contract.keys), keep="first")
    accepted = typed[~bad]
    accepted.to_parquet(out_dir / "pandas.parquet")
    raw[bad].to_csv(out_dir / "pandas.rejects.csv", index=False)
    ingested = time.perf_counter()

    feature_set = load_feature_set(FEATURES)
    frame = accepted.sort_values(["station", "date"], ignore_index=True)
    out = frame[["station", "date", feature_set.target]].copy()
    by_station = frame.set_index("date").groupby("station", sort=False)
    for feature in feature_set.features:
        if isinstance(feature, LagFeature):
            # The value exactly `days` calendar days earlier, NULL when that day is missing.
            lagged = frame[["station", "date", feature.column]].copy()
            lagged["date"] += pd.Timedelta(days=feature.days)
            lagged = lagged.rename(columns={feature.column: feature.name})
            out = out.merge(lagged, on=["station", "date"], how="left")
        elif isinstance(feature, RollingFeature):
            # closed="left": the window ends the day before, so today's value never leaks.
            rolled = by_station[feature.column].rolling(f"{feature.window_days}D", closed="left")
            out[feature.name] = getattr(rolled, feature.agg)().to_numpy()
        elif isinstance(feature, CalendarFeature):
            day = out["date"].dt
            # The year's own length, as Brickyard's calendar parts use it.
            angle = 2 * np.pi * (day.dayofyear - 1) / np.where(day.is_leap_year, 366, 365)
            parts = {
                "day_of_year": day.dayofyear,
                "month": day.month,
                "day_of_week": day.dayofweek + 1,
                "is_weekend": (day.dayofweek >= 5).astype(int),
                "day_of_year_sin": np.sin(angle),
                "day_of_year_cos": np.cos(angle),
            }
            out[feature.name] = np.asarray(parts[feature.part])
    out.to_parquet(out_dir / "pandas.features.parquet")
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "cpu_seconds": cpu_seconds() - cpu_at_start,
        "ingest_seconds": ingested - start,
        "features_seconds": end - ingested,
        "read": read,
        "accepted": len(accepted),
        "feature_rows": len(out),
        "features_file": str(out_dir / "pandas.features.parquet"),
    }


def run_polars(csv_path: Path, out_dir: Path) -> dict[str, Any]:
    import math

    import polars as pl

    from brickyard.features import CalendarFeature, LagFeature, RollingFeature, load_feature_set
    from brickyard.ingest import load_contract

    start, cpu_at_start = time.perf_counter(), cpu_seconds()
    contract = load_contract(CONTRACT)
    names = [column.name for column in contract.columns]
    # Every field as the text written, so a reject can quote it; line 1 is the header.
    raw = pl.scan_csv(csv_path, infer_schema=False).with_row_index("_line", offset=2)
    typed: dict[str, pl.Expr] = {}
    reasons: list[pl.Expr] = []
    for column in contract.columns:
        text = pl.col(column.name)
        if column.type == "date":
            value = text.str.to_date(column.format, strict=False)
        elif column.type == "float":
            value = text.cast(pl.Float64, strict=False)
        else:
            value = text
        typed[f"_typed_{column.name}"] = value
        value = pl.col(f"_typed_{column.name}")
        reasons.append(
            pl.when(text.is_null()).then(
                pl.lit(f"{column.name}: missing value (column is not nullable)")
            )
        )
        if column.type != "string":
            reasons.append(
                pl.when(text.is_not_null() & value.is_null()).then(
                    pl.format(f"{column.name}: '{{}}' is not a {column.type}", text)
                )
            )
        if column.min is not None:
            reasons.append(
                pl.when(value < column.min).then(
                    pl.format(f"{column.name}: {{}} is below the minimum {column.min}", text)
                )
            )
        if column.max is not None:
            reasons.append(
                pl.when(value > column.max).then(
                    pl.format(f"{column.name}: {{}} is above the maximum {column.max}", text)
                )
            )
        if column.allowed:
            listed = ", ".join(map(str, column.allowed))
            reasons.append(
                pl.when(value.is_not_null() & ~value.is_in(column.allowed)).then(
                    pl.format(f"{column.name}: '{{}}' is not an allowed value ({listed})", text)
                )
            )
    # A key's first row in file order is kept; rows whose key is invalid take no part.
    keys = [pl.col(f"_typed_{key}") for key in contract.keys]
    valid_key = pl.all_horizontal(key.is_not_null() for key in keys)
    first = pl.col("_line").min().over(keys)
    quoted = ", ".join(f"{key}='{{}}'" for key in contract.keys)
    reasons.append(
        pl.when(valid_key & (pl.col("_line") != first)).then(
            pl.format(
                f"duplicate key {quoted} (first occurrence at line {{}})",
                *(pl.col(key) for key in contract.keys),
                first,
            )
        )
    )
    checked = (
        raw.with_columns(**typed)
        .with_columns(_reason=pl.concat_str(reasons, separator="; ", ignore_nulls=True))
        .collect()
    )
    read = checked.height
    passed = pl.col("_reason") == ""
    accepted = checked.filter(passed).select(pl.col(f"_typed_{name}").alias(name) for name in names)
    accepted.write_parquet(out_dir / "polars.parquet")
    checked.filter(~passed).select(
        *names, pl.lit(str(csv_path)).alias("_source"), "_line", "_reason"
    ).write_csv(out_dir / "polars.rejects.csv")
    del checked
    ingested = time.perf_counter()

    feature_set = load_feature_set(FEATURES)
    # rolling_*_by orders each station's rows itself, so the only sort is the final one.
    frame = accepted.lazy()
    date = pl.col("date")
    weekday = date.dt.weekday()  # ISO: 1 = Monday
    angle = (
        2
        * math.pi
        * (date.dt.ordinal_day() - 1)
        / pl.when(date.dt.is_leap_year()).then(366).otherwise(365)
    )
    calendar = {
        "day_of_year": date.dt.ordinal_day(),
        "month": date.dt.month(),
        "day_of_week": weekday,
        "is_weekend": (weekday >= 6).cast(pl.Int8),
        "day_of_year_sin": angle.sin(),
        "day_of_year_cos": angle.cos(),
    }
    columns: list[pl.Expr] = []
    lags = []
    for feature in feature_set.features:
        if isinstance(feature, LagFeature):
            lags.append(feature)
        elif isinstance(feature, RollingFeature):
            # closed="left": the window is the `window_days` days before; an empty one is NULL.
            rolling = getattr(pl.col(feature.column), f"rolling_{feature.agg}_by")
            window = rolling("date", f"{feature.window_days}d", closed="left", min_samples=1)
            columns.append(window.over("station").alias(feature.name))
        elif isinstance(feature, CalendarFeature):
            columns.append(calendar[feature.part].alias(feature.name))
    out = frame.select("station", "date", feature_set.target, *columns)
    for feature in lags:
        # The value exactly `days` calendar days earlier, NULL when that day is missing.
        earlier = frame.select(
            "station",
            (date + pl.duration(days=feature.days)).alias("date"),
            pl.col(feature.column).alias(feature.name),
        )
        out = out.join(earlier, on=["station", "date"], how="left")
    # Joins that keep no order are the fast ones; one sort at the end puts the rows in order.
    out = out.select("station", "date", feature_set.target, *feature_set.feature_names).sort(
        "station", "date"
    )
    out.sink_parquet(out_dir / "polars.features.parquet")
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "cpu_seconds": cpu_seconds() - cpu_at_start,
        "ingest_seconds": ingested - start,
        "features_seconds": end - ingested,
        "read": read,
        "accepted": accepted.height,
        "feature_rows": pl.scan_parquet(out_dir / "polars.features.parquet")
        .select(pl.len())
        .collect()
        .item(),
        "features_file": str(out_dir / "polars.features.parquet"),
    }


def compare_features(ours: str, theirs: str) -> dict[str, Any]:
    """Whether `theirs` holds our rows in our order and our features to the tolerance."""
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    expected, got = pq.read_table(ours), pq.read_table(theirs)
    problems = []
    if expected.num_rows != got.num_rows:
        problems.append(f"{got.num_rows:,} rows, ours {expected.num_rows:,}")
    elif not (
        pc.all(pc.equal(expected["station"], got["station"])).as_py()
        and pc.all(pc.equal(expected["date"], got["date"].cast(expected["date"].type))).as_py()
    ):
        problems.append("rows in another order or other keys")
    else:
        for name in expected.column_names[2:]:
            want = expected[name].to_numpy(zero_copy_only=False).astype(float)
            have = got[name].to_numpy(zero_copy_only=False).astype(float)
            if not np.array_equal(np.isnan(want), np.isnan(have)):
                problems.append(f"{name}: NULLs differ")
            elif not np.allclose(
                have, want, rtol=RELATIVE_TOLERANCE, atol=ABSOLUTE_TOLERANCE, equal_nan=True
            ):
                problems.append(f"{name}: values differ")
    return {"equal": not problems, "problems": problems}


RUNNERS = {
    "brickyard": run_brickyard,
    "pandas": run_pandas,
    "polars": run_polars,
    "read_only": run_read_only,
    "features_folded": run_features_folded,
}


def own_peak_mb() -> float:
    """This process's peak resident memory: VmHWM belongs to its own address space, while
    `ru_maxrss` starts from the parent's peak in a freshly spawned child."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("/proc/self/status has no VmHWM line; run this on Linux")


def measured(name: str, csv_path: Path, out_dir: Path) -> dict[str, Any]:
    result = RUNNERS[name](csv_path, out_dir)
    result["peak_rss_mb"] = own_peak_mb()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--defect-rate", type=float, default=0.001)
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]
    sides = {"brickyard": "Brickyard (DuckDB)", "pandas": "plain pandas", "polars": "Polars"}

    with tempfile.TemporaryDirectory(prefix="brickyard-bench-") as tmp:
        scratch = Path(tmp)
        csv_path = scratch / "weather.csv"
        made = in_fresh_process(generate, csv_path, args.rows, args.defect_rate)
        print(f"generated {args.rows:,} rows in {made['seconds']:.1f}s", flush=True)
        results = {}
        for name in sides:
            out_dir = scratch / name
            out_dir.mkdir()
            results[name] = in_fresh_process(measured, name, csv_path, out_dir)
            print(name, results[name], flush=True)
        for name in ("read_only", "features_folded"):
            # Both read the CSV or Brickyard's accepted rows from the run above.
            results[name] = in_fresh_process(measured, name, csv_path, scratch / "brickyard")
            print(name, results[name], flush=True)
        verdicts = {
            name: in_fresh_process(
                compare_features,
                results["brickyard"]["features_file"],
                results[name]["features_file"],
            )
            for name in ("pandas", "polars")
        }
        print("equality", verdicts, flush=True)

    ours, pandas, polars = results["brickyard"], results["pandas"], results["polars"]
    floor, folded = results["read_only"], results["features_folded"]
    over_pandas = pandas["seconds"] / ours["seconds"]
    over_polars = polars["seconds"] / ours["seconds"]
    cpu_over_pandas = pandas["cpu_seconds"] / ours["cpu_seconds"]
    cpu_over_polars = polars["cpu_seconds"] / ours["cpu_seconds"]
    feature_count = len(tomllib.loads(FEATURES.read_text())["features"])
    rows = "\n".join(
        f"| {label} | {r['seconds']:.1f} s | {r['ingest_seconds']:.1f} s | "
        f"{r['features_seconds']:.1f} s | {r['cpu_seconds']:.1f} s | "
        f"{r['read'] / r['seconds']:,.0f} | "
        f"{r['peak_rss_mb']:,.0f} MB | {r['accepted']:,} |"
        for label, r in ((label, results[name]) for name, label in sides.items())
    )

    def verdict(name: str) -> str:
        found = verdicts[name]
        return "equal" if found["equal"] else "**not equal**: " + "; ".join(found["problems"])

    def met(ratio: float, goal: float) -> str:
        return "met" if ratio >= goal else "not met"

    body = f"""## Ingest + features (tools/benchmarks/ingest_features.py)

{args.rows:,} synthetic rows (CSV, defect rate {args.defect_rate}), validated against
`synthetic_weather` (accepted rows to Parquet, rejects to CSV) and turned into the main
job's {feature_count} features per station (written to Parquet), by three implementations
of the same work, each in a fresh process; peak memory is each process's own (VmHWM).
Machine: {machine_line()} (load average {load_at_start:.1f} at the start).
Goals: at least 5x plain pandas and 1.5x Polars; peak memory at most 2 GB.

| implementation | time | ingest | features | CPU time | rows/s | peak memory | rows accepted |
|---|---|---|---|---|---|---|---|
{rows}

Speed-up: **{over_pandas:.1f}x** plain pandas (goal 5x: {met(over_pandas, 5)}),
**{over_polars:.2f}x** Polars (goal 1.5x: {met(over_polars, 1.5)}); in CPU time (all threads,
the work done whatever else ran), {cpu_over_pandas:.1f}x pandas and {cpu_over_polars:.2f}x Polars.
Features compared with Brickyard's, row by row (to {RELATIVE_TOLERANCE:g} relative or
{ABSOLUTE_TOLERANCE:g} absolute): pandas {verdict("pandas")}; Polars {verdict("polars")}.

The pandas side writes its rejects without reasons; Brickyard and Polars give each rejected
row its line and every reason. Polars reads every field as text (to quote it in a reason),
types it with non-strict casts, finds duplicate keys with a window over the typed keys,
computes rolling windows with `rolling_*_by("date", closed="left", min_samples=1)` over
each station, lags with joins on (station, date + k days), and streams its features to
Parquet.

Where Brickyard's time goes, measured in the same run (each in a fresh process):

| step | time |
|---|---|
| DuckDB reading the CSV into Arrow, no checks at all (the floor) | {floor['seconds']:.1f} s |
| Brickyard ingest: that read plus every check, reasons, quarantine, duplicate keys, atomic writes | {ours['ingest_seconds']:.1f} s |
| Brickyard features, all {feature_count} | {ours['features_seconds']:.1f} s |
| the same features with no decimals declared (sums and means added in a fixed order) | {folded['seconds']:.1f} s |

The job's feature set declares its measurements in tenths (`[decimals]`), so sums and means
add the values as integers with the engine's own frame SUM (a rolling mean's SUM carries its
count too) and divide once: exact, hence the same bits on DuckDB and Spark in any order,
without folding each window oldest first. What remains of the feature step is mostly
DuckDB's window operator (one sort by station and day, then the LAGs and frames every
feature reads) and encoding the {feature_count + 3} output columns to Parquet.
"""
    print(body)
    write_section("ingest-features", body)


if __name__ == "__main__":
    main()
