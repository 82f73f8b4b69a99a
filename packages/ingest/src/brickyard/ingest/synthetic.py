"""Synthetic daily weather for many stations, for benchmarks and tests.

The columns are those of the Seattle sample with a leading ``station``: station, date
(``YYYY/MM/DD`` text in CSV, a DATE in Parquet), precipitation, temp_max, temp_min, wind and
weather. Row ``i`` is station ``i % n_stations`` on day ``i // n_stations`` after 2000-01-01,
so ``(station, date)`` is a unique key and the file is ordered by date.

Each station has its own climate - annual mean temperature, seasonal swing, daily range,
wetness and windiness - and every day draws noise around it; winters are colder and wetter.
All randomness comes from DuckDB's ``hash`` of (row, purpose, seed), so the same arguments give
byte-identical files, and the whole file is generated and written by one DuckDB ``COPY``
without passing through Python (10 million rows take seconds).

With ``defect_rate`` > 0 about that fraction of rows carries one defect, chosen evenly among:

* type: ``temp_max`` is the text ``n/a`` (in Parquet, whose columns are typed, it is missing);
* range: ``wind`` is ``-3.0``;
* duplicate key: the row repeats the date of the station's previous day (or next day, on day 0).

Command line::

    python -m brickyard.ingest.synthetic --rows 10000000 --out weather.csv
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import duckdb

from brickyard.core import write_file
from brickyard.ingest.sources import quiet_progress_bar, sql_string

__all__ = ["generate_weather", "main"]

_FIRST_DAY = "2000-01-01"
_DAYS_PER_STATION = 3653


def _uniform(of: str, seed: int, purpose: int) -> str:
    """SQL for a uniform draw in [0, 1) keyed by (row or station `of`, seed, purpose < 256)."""
    # Hashing the hash keeps draws for different purposes independent; DuckDB's multi-argument
    # hash(a, b) combines the arguments' hashes too simply and correlates them.
    key = f"hash({of}::UBIGINT * 256 + {purpose}) + {seed}::UBIGINT"
    return f"((hash({key}) >> 11)::DOUBLE / 9007199254740992.0)"


def _normal(of: str, seed: int, purpose: int) -> str:
    """SQL for an approximately standard normal draw (scaled Irwin-Hall sum of four uniforms)."""
    draws = " + ".join(_uniform(of, seed, purpose * 10 + k) for k in range(4))
    return f"(({draws}) - 2.0) * 1.7320508075688772"


def _query(n_rows: int, n_stations: int, seed: int, defect_rate: float, csv: bool) -> str:
    width = max(4, len(str(n_stations - 1)))
    defect = f"{_uniform('i', seed, 90)} < {defect_rate!r}"
    kind = f"floor({_uniform('i', seed, 91)} * 3)"
    date_value = f"DATE '{_FIRST_DAY}' + day::INTEGER"
    missing_temp = "'n/a'" if csv else "NULL"
    temp_max = "CAST(temp_max AS VARCHAR)" if csv else "temp_max"
    return f"""
    WITH positions AS (
        SELECT i, i % {n_stations} AS s, i // {n_stations} AS d FROM range({n_rows}) AS t(i)
    ),
    climate AS (
        SELECT
            i, s, d,
            6 + 12 * {_uniform('s', seed, 1)} AS base,
            4 + 7 * {_uniform('s', seed, 2)} AS swing,
            5 + 6 * {_uniform('s', seed, 3)} AS spread,
            0.15 + 0.4 * {_uniform('s', seed, 4)} AS wetness,
            2 + 3 * {_uniform('s', seed, 5)} AS windiness,
            -cos(2 * pi() * (d - 15) / 365.25) AS season
        FROM positions
    ),
    day AS (
        SELECT
            *,
            base + swing * season + 2.5 * {_normal('i', seed, 6)} AS mean,
            {_uniform('i', seed, 7)} < greatest(0.02, least(0.95, wetness * (1 - 0.6 * season)))
                AS wet,
            {_uniform('i', seed, 8)} AS amount,
            {_uniform('i', seed, 9)} AS gust,
            {_uniform('i', seed, 10)} AS mist,
            {_normal('i', seed, 11)} AS jitter
        FROM climate
    ),
    measured AS (
        SELECT
            i, s, d,
            round(mean + spread / 2 + 0.8 * jitter, 1) + 0.0 AS temp_max,
            round(mean - spread / 2 - 0.8 * abs(jitter), 1) + 0.0 AS temp_min,
            CASE WHEN wet THEN round(least(-ln(1 - amount) * (2 + 8 * wetness), 300), 1)
                 ELSE 0.0 END AS precipitation,
            round(least(0.3 + windiness * -ln(1 - gust) * 0.8, 60), 1) AS wind,
            wet, mist
        FROM day
    ),
    labelled AS (
        SELECT
            *,
            CASE WHEN wet AND temp_max < 2 THEN 'snow'
                 WHEN precipitation >= 1 THEN 'rain'
                 WHEN wet THEN 'drizzle'
                 WHEN mist < 0.08 THEN 'fog'
                 ELSE 'sun' END AS weather,
            CASE WHEN {defect} THEN {kind} END AS defect
        FROM measured
    ),
    flawed AS (
        SELECT
            i, s,
            CASE WHEN defect = 2 THEN (CASE WHEN d > 0 THEN d - 1 ELSE d + 1 END) ELSE d END
                AS day,
            precipitation,
            CASE WHEN defect = 0 THEN {missing_temp} ELSE {temp_max} END AS temp_max,
            temp_min,
            CASE WHEN defect = 1 THEN -3.0 ELSE wind END AS wind,
            weather
        FROM labelled
    )
    SELECT
        'ST' || lpad(s::VARCHAR, {width}, '0') AS station,
        {f"strftime({date_value}, '%Y/%m/%d')" if csv else date_value} AS date,
        precipitation, temp_max, temp_min, wind, weather
    FROM flawed
    """


def generate_weather(
    path: str | os.PathLike[str],
    n_rows: int,
    n_stations: int | None = None,
    seed: int = 0,
    defect_rate: float = 0.0,
    format: Literal["csv", "parquet"] = "csv",
) -> Path:
    """Write `n_rows` rows of synthetic station weather to `path` and return the path.

    `n_stations` defaults to enough stations that each covers about ten years. The file is
    written atomically; the same arguments always give byte-identical output.
    """
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    stations = (
        n_stations if n_stations is not None else max(1, math.ceil(n_rows / _DAYS_PER_STATION))
    )
    if stations < 1:
        raise ValueError(f"n_stations must be >= 1, got {stations}")
    if not 0.0 <= defect_rate <= 1.0:
        raise ValueError(f"defect_rate must be between 0 and 1, got {defect_rate}")
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', got {format!r}")
    target = Path(path)
    query = _query(n_rows, stations, seed, defect_rate, csv=format == "csv")
    options = "FORMAT csv, HEADER true" if format == "csv" else "FORMAT parquet"

    def write(temporary: Path) -> None:
        with duckdb.connect(config={"preserve_insertion_order": True}) as con:
            # COPY runs for seconds, long enough for DuckDB to draw a progress bar otherwise.
            quiet_progress_bar(con)
            con.execute(f"COPY ({query}) TO {sql_string(str(temporary))} ({options})")

    return write_file(target, write)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m brickyard.ingest.synthetic",
        description="Generate synthetic daily station weather (CSV or Parquet).",
    )
    parser.add_argument("--rows", type=int, required=True, help="number of data rows")
    parser.add_argument("--out", type=Path, required=True, help="output file (.csv or .parquet)")
    parser.add_argument("--stations", type=int, default=None, help="number of stations")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--defect-rate", type=float, default=0.0, help="fraction of rows with a defect"
    )
    parser.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default=None,
        help="output format (default: from the --out suffix, else csv)",
    )
    args = parser.parse_args(argv)
    chosen: Literal["csv", "parquet"] = args.format or (
        "parquet" if args.out.suffix.lower() == ".parquet" else "csv"
    )
    try:
        written = generate_weather(
            args.out,
            args.rows,
            n_stations=args.stations,
            seed=args.seed,
            defect_rate=args.defect_rate,
            format=chosen,
        )
    except ValueError as error:
        parser.error(str(error))
    print(f"wrote {args.rows} rows to {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
