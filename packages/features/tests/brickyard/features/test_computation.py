import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from brickyard.features import (
    FeatureComputationError,
    FeatureSet,
    build_feature_query,
    compute_features,
    feature_set_from_dict,
)
from brickyard.features.computation import feature_batches

D = dt.date


def series_table(
    days_and_values: list[tuple[int, float | None]],
    *,
    column: str = "temp_max",
    entity: str | None = None,
) -> pa.Table:
    dates = [D(2024, 1, 1) + dt.timedelta(days=day) for day, _ in days_and_values]
    columns = {"date": pa.array(dates, pa.date32())}
    if entity is not None:
        columns["station"] = pa.array([entity] * len(dates))
    columns[column] = pa.array([value for _, value in days_and_values], pa.float64())
    return pa.table(columns)


def single(
    features: list[dict[str, Any]],
    *,
    target: str = "temp_max",
    entity: str | None = None,
    decimals: dict[str, int] | None = None,
) -> FeatureSet:
    return feature_set_from_dict(
        {
            "time_column": "date",
            "target": target,
            "entity_column": entity,
            "features": features,
            "decimals": decimals or {},
        }
    )


def column(table: pa.Table, name: str) -> list[Any]:
    values: list[Any] = table[name].to_pylist()
    return values


# Days 0, 1, 2, 4, 5, 9 (3, 6, 7, 8 are missing); day 4's value is NULL.
GAPPY = [(0, 10.0), (1, 11.0), (2, 13.0), (4, None), (5, 20.0), (9, 30.0)]


def test_lag_is_the_value_exactly_k_days_earlier() -> None:
    feature_set = single(
        [
            {"kind": "lag", "column": "temp_max", "days": 1},
            {"kind": "lag", "column": "temp_max", "days": 3},
            {"kind": "lag", "column": "temp_max", "days": 20},
        ]
    )
    table = series_table([*GAPPY, (25, 40.0), (29, 50.0)])
    out = compute_features(table, feature_set)
    # day:                                 0     1     2     4     5     9     25    29
    assert column(out, "temp_max_lag_1") == [None, 10.0, 11.0, None, None, None, None, None]
    assert column(out, "temp_max_lag_3") == [None, None, None, 11.0, 13.0, None, None, None]
    assert column(out, "temp_max_lag_20") == [None] * 6 + [20.0, 30.0]


# Sums and means of a column with declared decimals take another road (fixed point): the
# window semantics must be the same on both.
IN_TENTHS = pytest.mark.parametrize("decimals", [{}, {"temp_max": 1}], ids=["float", "tenths"])


@IN_TENTHS
def test_rolling_windows_cover_calendar_days_before_the_row(decimals: dict[str, int]) -> None:
    feature_set = single(
        [
            {"kind": "rolling", "column": "temp_max", "window_days": days, "agg": agg}
            for days in (3, 9)
            for agg in ("mean", "sum", "min", "max", "std")
        ],
        decimals=decimals,
    )
    out = compute_features(series_table(GAPPY), feature_set)
    # Window of day t is days t-3..t-1: day 5 sees days 2 and 4 (NULL), day 9 sees nothing.
    assert column(out, "temp_max_mean_3d") == [None, 10.0, 10.5, 12.0, 13.0, None]
    assert column(out, "temp_max_sum_3d") == [None, 10.0, 21.0, 24.0, 13.0, None]
    assert column(out, "temp_max_min_3d") == [None, 10.0, 10.0, 11.0, 13.0, None]
    assert column(out, "temp_max_max_3d") == [None, 10.0, 11.0, 13.0, 13.0, None]
    stds = column(out, "temp_max_std_3d")
    assert stds[:2] == [None, None]
    assert stds[2] == pytest.approx(math.sqrt(0.5))
    assert stds[3] == pytest.approx(math.sqrt(2.0))
    assert stds[4:] == [None, None]
    # Day 9 sees days 0..8 in a 9-day window; the first row still sees nothing.
    assert column(out, "temp_max_mean_9d") == [None, 10.0, 10.5, 34 / 3, 34 / 3, 13.5]
    assert column(out, "temp_max_sum_9d") == [None, 10.0, 21.0, 34.0, 34.0, 54.0]


@IN_TENTHS
def test_expanding_aggregates_use_all_earlier_rows(decimals: dict[str, int]) -> None:
    feature_set = single(
        [
            {"kind": "expanding", "column": "temp_max", "agg": "mean"},
            {"kind": "expanding", "column": "temp_max", "agg": "max"},
            {"kind": "expanding", "column": "temp_max", "agg": "sum"},
        ],
        decimals=decimals,
    )
    out = compute_features(series_table(GAPPY), feature_set)
    assert column(out, "temp_max_mean_expanding") == [None, 10.0, 10.5, 34 / 3, 34 / 3, 13.5]
    assert column(out, "temp_max_max_expanding") == [None, 10.0, 11.0, 13.0, 13.0, 20.0]
    assert column(out, "temp_max_sum_expanding") == [None, 10.0, 21.0, 34.0, 34.0, 54.0]


def test_sums_and_means_of_declared_decimals_are_exact() -> None:
    # Added up as binary fractions, 0.1 + 0.2 + 0.3 is 0.6000000000000001; declared as
    # tenths, they are added as the integers 1 + 2 + 3, and only the final division rounds.
    features: list[dict[str, Any]] = [
        {"kind": "rolling", "column": "temp_max", "window_days": 3, "agg": "mean"},
        {"kind": "rolling", "column": "temp_max", "window_days": 28, "agg": "mean"},
        {"kind": "rolling", "column": "temp_max", "window_days": 28, "agg": "sum"},
        {"kind": "expanding", "column": "temp_max", "agg": "mean"},
    ]
    table = series_table([(0, 0.1), (1, 0.2), (2, 0.3), (3, -0.9), (4, 0.0)])
    exact = compute_features(table, single(features, decimals={"temp_max": 1}))
    for name in ("temp_max_mean_3d", "temp_max_mean_28d", "temp_max_mean_expanding"):
        assert column(exact, name)[3] == 0.2
    # Below zero too, each mean is the correctly rounded quotient of the written values.
    assert column(exact, "temp_max_mean_3d")[4] == -4 / 30
    assert column(exact, "temp_max_mean_28d")[4] == -3 / 40
    assert column(exact, "temp_max_sum_28d") == [None, 0.1, 0.3, 0.6, -0.3]
    folded = compute_features(table, single(features))
    assert column(folded, "temp_max_mean_28d")[3] == pytest.approx(0.2)
    assert column(folded, "temp_max_mean_28d")[3] != 0.2


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.5, 0.25, 2.0], "column 'temp_max' has the value 0.25 at row 1, which is not written"),
        ([1.5, None, float("nan")], "has the value nan at row 2"),
        ([1.5, 9e14], "holds values up to 900000000000000.0"),
        ([1.5, float("inf")], "holds values up to inf"),
    ],
)
def test_values_beyond_the_declared_decimals_are_rejected(
    values: list[float | None], expected: str
) -> None:
    table = series_table(list(enumerate(values)))
    feature_set = single(
        [{"kind": "rolling", "column": "temp_max", "window_days": 28, "agg": "mean"}],
        decimals={"temp_max": 1},
    )
    with pytest.raises(FeatureComputationError) as caught:
        compute_features(table, feature_set)
    assert expected in str(caught.value)
    assert "decimals.temp_max" in str(caught.value)


def test_calendar_parts_of_the_row_date() -> None:
    dates = [D(2023, 1, 1), D(2023, 12, 31), D(2024, 7, 1), D(2024, 12, 31)]
    table = pa.table({"date": pa.array(dates, pa.date32()), "temp_max": [1.0, 2.0, 3.0, 4.0]})
    parts = [
        "day_of_year",
        "month",
        "day_of_week",
        "is_weekend",
        "day_of_year_sin",
        "day_of_year_cos",
    ]
    out = compute_features(table, single([{"kind": "calendar", "part": p} for p in parts]))
    assert column(out, "day_of_year") == [1, 365, 183, 366]
    assert column(out, "month") == [1, 12, 7, 12]
    # ISO weekday: 2023-01-01 was a Sunday, 2024-07-01 a Monday.
    assert column(out, "day_of_week") == [7, 7, 1, 2]
    assert column(out, "is_weekend") == [1, 1, 0, 0]
    angles = [0.0, 2 * math.pi * 364 / 365, 2 * math.pi * 182 / 366, 2 * math.pi * 365 / 366]
    assert column(out, "day_of_year_sin") == pytest.approx([math.sin(a) for a in angles])
    assert column(out, "day_of_year_cos") == pytest.approx([math.cos(a) for a in angles])
    assert out.schema.field("day_of_year").type == pa.int16()
    assert out.schema.field("is_weekend").type == pa.int8()


# ---------------------------------------------------------------- synthetic multi-station data

ALL_KINDS: list[dict[str, Any]] = [
    {"kind": "lag", "column": "temp_max", "days": 1},
    {"kind": "lag", "column": "temp_max", "days": 2},
    {"kind": "lag", "column": "temp_max", "days": 7},
    {"kind": "lag", "column": "temp_min", "days": 1},
    {"kind": "lag", "column": "temp_max", "days": 30},
    {"kind": "rolling", "column": "temp_max", "window_days": 7, "agg": "mean"},
    {"kind": "rolling", "column": "temp_max", "window_days": 28, "agg": "mean"},
    {"kind": "rolling", "column": "precipitation", "window_days": 7, "agg": "sum"},
    {"kind": "rolling", "column": "wind", "window_days": 7, "agg": "max"},
    {"kind": "rolling", "column": "temp_min", "window_days": 5, "agg": "min"},
    {"kind": "rolling", "column": "temp_max", "window_days": 10, "agg": "std"},
    {"kind": "expanding", "column": "temp_max", "agg": "mean"},
    {"kind": "expanding", "column": "wind", "agg": "std"},
    {"kind": "expanding", "column": "temp_min", "agg": "min"},
    {"kind": "expanding", "column": "precipitation", "agg": "sum"},
    {"kind": "expanding", "column": "temp_max", "agg": "max"},
    {"kind": "calendar", "part": "day_of_year"},
    {"kind": "calendar", "part": "month"},
    {"kind": "calendar", "part": "day_of_week"},
    {"kind": "calendar", "part": "is_weekend"},
    {"kind": "calendar", "part": "day_of_year_sin"},
    {"kind": "calendar", "part": "day_of_year_cos"},
]

STATION_FEATURES = single(ALL_KINDS, entity="station")
MEASUREMENTS = ("precipitation", "temp_max", "temp_min", "wind")
# The same features for data written in tenths, as weather stations report it.
STATION_FEATURES_IN_TENTHS = single(
    ALL_KINDS, entity="station", decimals=dict.fromkeys(MEASUREMENTS, 1)
)


def weather(
    seed: int = 7, days: int = 200, stations: tuple[str, ...] = ("north", "south")
) -> pa.Table:
    """Two stations over `days` days with random gaps, NULLs and a leap day."""
    rng = np.random.default_rng(seed)
    frames = []
    for index, station in enumerate(stations):
        kept = np.sort(rng.choice(days, size=int(days * 0.8), replace=False))
        n = len(kept)
        temp_max = rng.normal(15 + 3 * index, 5, n)
        temp_max[rng.random(n) < 0.05] = np.nan
        frames.append(
            pd.DataFrame(
                {
                    "station": station,
                    "date": pd.Timestamp("2023-12-01") + pd.to_timedelta(kept, unit="D"),
                    "precipitation": rng.exponential(2.0, n).round(1),
                    "temp_max": temp_max,
                    "temp_min": temp_max - rng.uniform(2, 8, n),
                    "wind": rng.uniform(0, 9, n),
                    "weather": rng.choice(["rain", "sun", "fog"], n),
                }
            )
        )
    frame = pd.concat(frames).sample(frac=1.0, random_state=seed)
    return pa.Table.from_pandas(frame, preserve_index=False).set_column(
        1, "date", pa.array(frame["date"].dt.date, pa.date32())
    )


def weather_in_tenths(**options: Any) -> pa.Table:
    """`weather(**options)` with every measurement rounded to one decimal."""
    table = weather(**options)
    for name in MEASUREMENTS:
        index = table.column_names.index(name)
        table = table.set_column(index, name, pa.compute.round(table[name], 1))
    return table


# Each sample table with the feature set that fits it: without and with declared decimals.
BOTH_ROADS = pytest.mark.parametrize(
    ("sample", "feature_set"),
    [(weather, STATION_FEATURES), (weather_in_tenths, STATION_FEATURES_IN_TENTHS)],
    ids=["float", "tenths"],
)


def pandas_reference(table: pa.Table, feature_set: FeatureSet) -> pd.DataFrame:
    """The same features written plainly with pandas, one station at a time."""
    frame = table.to_pandas()
    frame["date"] = pd.to_datetime(frame["date"])
    results = []
    for _, group in frame.sort_values(["station", "date"]).groupby("station", sort=True):
        group = group.set_index("date")
        out = pd.DataFrame(index=group.index)
        out["station"] = group["station"]
        out["temp_max"] = group["temp_max"]
        for feature in feature_set.features:
            if feature.kind == "lag":
                earlier = group[feature.column].copy()
                earlier.index = earlier.index + pd.Timedelta(days=feature.days)
                out[feature.name] = earlier.reindex(group.index)
            elif feature.kind == "rolling":
                window = group[feature.column].rolling(f"{feature.window_days}D", closed="left")
                out[feature.name] = getattr(window, feature.agg)()
            elif feature.kind == "expanding":
                so_far = getattr(group[feature.column].expanding(), feature.agg)()
                out[feature.name] = so_far.shift(1)
            else:
                dates = group.index
                year_length = np.where(dates.is_leap_year, 366, 365)
                angle = 2 * np.pi * (dates.day_of_year - 1) / year_length
                out[feature.name] = {
                    "day_of_year": dates.day_of_year,
                    "month": dates.month,
                    "day_of_week": dates.day_of_week + 1,
                    "is_weekend": (dates.day_of_week >= 5).astype(int),
                    "day_of_year_sin": np.sin(angle),
                    "day_of_year_cos": np.cos(angle),
                }[feature.part]
        results.append(out.reset_index())
    return pd.concat(results, ignore_index=True)


@BOTH_ROADS
def test_features_match_a_plain_pandas_implementation(
    sample: Callable[[], pa.Table], feature_set: FeatureSet
) -> None:
    table = sample()
    out = compute_features(table, feature_set).to_pandas()
    expected = pandas_reference(table, feature_set)
    assert len(out) == len(expected) == table.num_rows
    assert list(out["station"]) == list(expected["station"])
    assert list(pd.to_datetime(out["date"])) == list(expected["date"])
    for name in feature_set.feature_names:
        got = out[name].to_numpy(dtype=float, na_value=np.nan)
        want = expected[name].to_numpy(dtype=float, na_value=np.nan)
        assert np.array_equal(np.isnan(got), np.isnan(want)), name
        assert np.allclose(got, want, rtol=0, atol=1e-9, equal_nan=True), name


def test_output_columns_and_order() -> None:
    table = weather()
    out = compute_features(table, STATION_FEATURES)
    assert out.column_names == ["station", "date", "temp_max", *STATION_FEATURES.feature_names]
    keys = list(zip(column(out, "station"), column(out, "date"), strict=True))
    assert keys == sorted(keys)


def test_a_single_series_needs_no_entity_column() -> None:
    table = weather(stations=("north",)).drop_columns(["station"])
    feature_set = STATION_FEATURES.with_entity_column(None)
    out = compute_features(table, feature_set)
    assert out.column_names == ["date", "temp_max", *feature_set.feature_names]
    with_station = compute_features(weather(stations=("north",)), STATION_FEATURES)
    assert out.equals(with_station.drop_columns(["station"]))


def test_entity_batches_give_the_same_result_as_one_query() -> None:
    table = weather(stations=("d", "b", "a", "c", "e"), days=60)
    whole = compute_features(table, STATION_FEATURES)
    # 48 rows per station: batches of ~70 rows hold one or two stations each.
    batched = compute_features(table, STATION_FEATURES, batch_rows=70)
    assert batched.equals(whole)
    assert column(batched, "station")[::48] == ["a", "b", "c", "d", "e"]
    tiny = compute_features(table, STATION_FEATURES, batch_rows=1)
    assert tiny.equals(whole)


def test_batches_come_in_entity_order_and_make_up_the_whole_result() -> None:
    table = weather(stations=("d", "b", "a", "c", "e"), days=60)

    # 48 rows per station, so the stations start at rows 0, 48, 96, 144 and 192.
    batches = list(feature_batches(table, STATION_FEATURES, batch_rows=70))

    assert [sorted(set(column(batch, "station"))) for batch in batches] == [
        ["a", "b"],
        ["c"],
        ["d", "e"],
    ]
    assert pa.concat_tables(batches).equals(compute_features(table, STATION_FEATURES))


def test_the_exposed_query_computes_the_same_table() -> None:
    table = weather()
    with duckdb.connect() as con:
        con.register("weather", table)
        query = build_feature_query(STATION_FEATURES, table.schema, relation="weather")
        result = con.sql(query).to_arrow_table()

    assert result.drop_columns(["__brickyard_duplicate"]).equals(
        compute_features(table, STATION_FEATURES)
    )


def test_batch_rows_must_be_positive() -> None:
    with pytest.raises(FeatureComputationError, match="batch_rows must be at least 1"):
        compute_features(weather(), STATION_FEATURES, batch_rows=0)


# ---------------------------------------------------------------- point-in-time correctness


def perturb_from(table: pa.Table, cutoff: dt.date, seed: int) -> pa.Table:
    """Replace every non-key value dated on or after `cutoff` and append later rows."""
    frame = table.to_pandas()
    rng = np.random.default_rng(seed)
    late = frame["date"] >= cutoff
    for name in MEASUREMENTS:
        frame.loc[late, name] = rng.normal(100, 50, int(late.sum())).round(1)
    extra = frame[late].copy()
    extra["date"] = extra["date"] + dt.timedelta(days=400)
    frame = pd.concat([frame, extra], ignore_index=True)
    return pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False)


def earlier_features(table: pa.Table, feature_set: FeatureSet, cutoff: dt.date) -> pa.Table:
    features = compute_features(table, feature_set)
    keep = pa.compute.less_equal(features["date"], pa.scalar(cutoff, pa.date32()))
    return features.filter(keep).drop_columns(["temp_max"])


@BOTH_ROADS
@pytest.mark.parametrize("cutoff_day", [0, 1, 45, 100, 199])
def test_future_and_same_day_values_never_change_earlier_features(
    sample: Callable[[], pa.Table], feature_set: FeatureSet, cutoff_day: int
) -> None:
    table = sample()
    cutoff = D(2023, 12, 1) + dt.timedelta(days=cutoff_day)
    before = earlier_features(table, feature_set, cutoff)
    after = earlier_features(perturb_from(table, cutoff, seed=cutoff_day), feature_set, cutoff)
    # Rows dated on the cutoff day are included: their own values changed, their features
    # (built from strictly earlier days) must not.
    assert before.num_rows > 0 or cutoff_day == 0
    assert after.equals(before)


def test_one_station_never_leaks_into_another() -> None:
    table = weather()
    frame = table.to_pandas()
    south = frame["station"] == "south"
    frame.loc[south, "temp_max"] = -frame.loc[south, "temp_max"]
    changed = pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False)
    north = pa.compute.equal(table["station"], "north")
    original = compute_features(table.filter(north), STATION_FEATURES)
    together = compute_features(changed, STATION_FEATURES)
    assert together.filter(pa.compute.equal(together["station"], "north")).equals(original)


# ---------------------------------------------------------------- input checks


def test_integer_columns_aggregate_to_float64() -> None:
    table = pa.table(
        {
            "date": pa.array([D(2024, 1, 1), D(2024, 1, 2)], pa.date32()),
            "temp_max": pa.array([3, 4], pa.int32()),
        }
    )
    feature_set = single(
        [
            {"kind": "rolling", "column": "temp_max", "window_days": 2, "agg": "sum"},
            {"kind": "lag", "column": "temp_max", "days": 1},
        ]
    )
    out = compute_features(table, feature_set)
    assert out.schema.field("temp_max_sum_2d").type == pa.float64()
    assert out.schema.field("temp_max_lag_1").type == pa.int32()
    assert column(out, "temp_max_sum_2d") == [None, 3.0]


def test_date64_time_column_is_accepted() -> None:
    table = series_table(GAPPY)
    table = table.set_column(0, "date", table["date"].cast(pa.date64()))
    out = compute_features(table, single([{"kind": "lag", "column": "temp_max", "days": 1}]))
    assert out.schema.field("date").type == pa.date32()
    assert column(out, "temp_max_lag_1")[1] == 10.0


def test_empty_table_gives_empty_features() -> None:
    empty = weather().slice(0, 0)
    out = compute_features(empty, STATION_FEATURES)
    assert out.num_rows == 0
    assert out.column_names == ["station", "date", "temp_max", *STATION_FEATURES.feature_names]


def test_caller_connection_stays_open() -> None:
    con = duckdb.connect()
    con.execute("SET threads = 1")
    out = compute_features(
        series_table(GAPPY),
        single([{"kind": "lag", "column": "temp_max", "days": 1}]),
        connection=con,
    )
    assert out.num_rows == len(GAPPY)
    assert con.sql("SELECT 42").fetchall() == [(42,)]
    con.close()


def test_duplicate_entity_day_is_rejected_with_its_key() -> None:
    table = weather()
    duplicated = pa.concat_tables([table, table.slice(3, 1)])
    station, day = table["station"][3].as_py(), table["date"][3].as_py()
    with pytest.raises(FeatureComputationError) as caught:
        compute_features(duplicated, STATION_FEATURES, batch_rows=100)
    message = str(caught.value)
    assert f"entity '{station}', day {day}" in message
    assert "deduplicate" in message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda t: t.drop_columns(["wind"]),
            "column 'wind' (read by feature 'wind_max_7d') is not",
        ),
        (lambda t: t.drop_columns(["station"]), "entity column 'station' is not"),
        (lambda t: t.drop_columns(["temp_max"]), "target column 'temp_max' is not"),
        (
            lambda t: t.set_column(1, "date", t["date"].cast(pa.timestamp("s"))),
            "time column 'date' has type timestamp[s], expected date",
        ),
        (
            lambda t: t.set_column(1, "date", pa.array([None] * t.num_rows, pa.date32())),
            "time column 'date' has 320 NULL value(s), first at row 0",
        ),
        (
            lambda t: t.set_column(0, "station", pa.array([None, *t["station"].to_pylist()[1:]])),
            "entity column 'station' has 1 NULL value(s), first at row 0",
        ),
        (
            lambda t: t.set_column(5, "wind", pa.array(["calm"] * t.num_rows)),
            "aggregates column 'wind' of type string",
        ),
    ],
)
def test_unsuitable_input_is_rejected_with_a_clear_message(
    mutate: Callable[[pa.Table], pa.Table], expected: str
) -> None:
    with pytest.raises(FeatureComputationError) as caught:
        compute_features(mutate(weather()), STATION_FEATURES)
    assert expected in str(caught.value)


def test_input_columns_declared_not_null_still_get_null_features() -> None:
    # Ingest declares contract columns non-nullable; the first day has no lag all the same.
    table = series_table(GAPPY[:3])
    strict = pa.schema([field.with_nullable(False) for field in table.schema])
    out = compute_features(
        table.cast(strict), single([{"kind": "lag", "column": "temp_max", "days": 1}])
    )
    assert column(out, "temp_max_lag_1") == [None, 10.0, 11.0]
