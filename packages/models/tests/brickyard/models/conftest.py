"""Shared fixtures: the Seattle weather sample with features, and small synthetic tables.

The Seattle weather sample (2012-2015, NOAA data via vega_datasets) is the one shipped in
brickyard-ingest. Features are built here with plain DuckDB SQL so these tests do not
depend on brickyard.features.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from brickyard.ingest import seattle_weather_path

SEATTLE_FEATURES = (
    "temp_max_lag_1",
    "temp_max_lag_2",
    "temp_max_lag_7",
    "temp_min_lag_1",
    "temp_max_mean_7d",
    "temp_max_mean_28d",
    "precipitation_sum_7d",
    "wind_max_7d",
    "day_of_year_sin",
    "day_of_year_cos",
)

# The sample has one row for every day, so row-based frames equal calendar-day frames.
SEATTLE_SQL = """
SELECT date, temp_max,
  lag(temp_max, 1) OVER w AS temp_max_lag_1,
  lag(temp_max, 2) OVER w AS temp_max_lag_2,
  lag(temp_max, 7) OVER w AS temp_max_lag_7,
  lag(temp_min, 1) OVER w AS temp_min_lag_1,
  avg(temp_max) OVER (w ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING) AS temp_max_mean_7d,
  avg(temp_max) OVER (w ROWS BETWEEN 28 PRECEDING AND 1 PRECEDING) AS temp_max_mean_28d,
  sum(precipitation) OVER (w ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING) AS precipitation_sum_7d,
  max(wind) OVER (w ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING) AS wind_max_7d,
  sin(2 * pi() * dayofyear(date) / 365.25) AS day_of_year_sin,
  cos(2 * pi() * dayofyear(date) / 365.25) AS day_of_year_cos
FROM weather
WINDOW w AS (ORDER BY date)
ORDER BY date
"""


@pytest.fixture(scope="session")
def seattle() -> pa.Table:
    with seattle_weather_path() as path:
        raw = pa_csv.read_csv(
            path, convert_options=pa_csv.ConvertOptions(timestamp_parsers=["%Y/%m/%d"])
        )
    weather = raw.set_column(0, "date", raw["date"].cast(pa.date32()))
    con = duckdb.connect()
    con.register("weather", weather)
    table = con.sql(SEATTLE_SQL).to_arrow_table()
    con.close()
    return table


def synthetic(
    rows_per_station: int = 120, stations: tuple[str, ...] = ("a", "b"), seed: int = 3
) -> pa.Table:
    """A learnable target: y = 2*x1 - x2 + noise, with some NULL features and targets."""
    rng = np.random.default_rng(seed)
    n = rows_per_station * len(stations)
    start = dt.date(2020, 1, 1)
    dates = [start + dt.timedelta(days=i % rows_per_station) for i in range(n)]
    x1 = rng.normal(0, 1, n)
    x2 = rng.normal(0, 1, n)
    y = 2 * x1 - x2 + rng.normal(0, 0.1, n)
    x2_masked = np.where(rng.random(n) < 0.1, np.nan, x2)
    y_masked = np.where(rng.random(n) < 0.05, np.nan, y)
    return pa.table(
        {
            "station": pa.array(np.repeat(stations, rows_per_station)),
            "date": pa.array(dates, pa.date32()),
            "x1": pa.array(x1),
            "x2": pa.array(x2_masked, from_pandas=True),
            "y": pa.array(y_masked, from_pandas=True),
            "y_lag_1": pa.array(np.roll(y, 1)),
        }
    )


@pytest.fixture(scope="session")
def seattle_features() -> tuple[str, ...]:
    return SEATTLE_FEATURES


@pytest.fixture()
def small() -> pa.Table:
    return synthetic()


@pytest.fixture()
def make_synthetic() -> Callable[..., pa.Table]:
    return synthetic
