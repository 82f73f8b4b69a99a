"""The feature computation as one Ibis expression, compiled to each engine's SQL.

Point-in-time rule: the features of the row at day t read only rows of the same entity
with day < t. Windows are calendar-day frames over the day number, so a gap in the data
never stretches a "7-day" window further back, and a lag of k days is the value at exactly
t - k days (NULL when that day is missing). Calendar features read only t itself.

The expression is written once, with Ibis, and compiled to the SQL dialect of the engine
that runs it (DuckDB by default, Spark for data that outgrows one machine), so both engines
compute the same thing by construction. It has three stages: the input with its day number;
every distinct window function call, evaluated once under one window (partition by entity,
order by day) so the engine sorts the rows once; and the features, combined from those calls.
Lags and short windows read the few earlier rows they can reach one row offset at a time;
longer windows use calendar-day frames. Where engines could round differently (the order in
which a frame is added up, the maths library behind sin/cos), the expression takes rounding
out of the sum or leaves the last step to Arrow, so DuckDB and Spark return the same bits:
sums and means of a column with declared decimals add its values scaled to integers, which
is exact in any order, and divide once; those of other columns add in one fixed order.
Only std frames and the other expanding aggregates keep each engine's own order.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from brickyard.features.definitions import (
    RESERVED_PREFIX,
    ExpandingFeature,
    Feature,
    FeatureSet,
    LagFeature,
    RollingFeature,
)

DAY = f"{RESERVED_PREFIX}day"
DUPLICATE = f"{RESERVED_PREFIX}duplicate"

# Aggregates computed exactly on a column's scaled values when its decimals are declared.
FIXED_POINT_AGGREGATES = ("sum", "mean")

# With one row per day, the row dated t - k is at most k rows back, so lags and short
# rolling windows can read the k earlier rows one LAG at a time; LAGs share the window's sort
# and are reused across features. Up to these many days that is cheaper than a frame: a lag
# needs one value (found by the first offset tried unless days are missing), a rolling
# window all k of them. Either way a rolling sum adds its values in one fixed order, so
# every engine returns the same bits.
LAG_BY_OFFSETS_MAX_DAYS = 14
ROLLING_BY_OFFSETS_MAX_DAYS = 7


def feature_expression(
    source: ir.Table,
    feature_set: FeatureSet,
    *,
    partition_column: str | None,
) -> ir.Table:
    """The features of `source`, partitioned by `partition_column`.

    Columns: `partition_column` (if any), time, target, the features in declaration order,
    and a boolean column `DUPLICATE` flagging a row whose (partition, day) repeats the row
    before it. Rows come in no particular order.
    """
    time = feature_set.time_column
    keys = [c for c in (partition_column, time) if c]
    inputs = list(dict.fromkeys([*keys, feature_set.target, *feature_set.source_columns]))
    scaled = {
        fixed_point_column(column): to_fixed_point(source[column], places)
        for column, places in fixed_point_columns(feature_set).items()
    }
    dated = source.select(*inputs, **{DAY: source[time].epoch_days()}, **scaled)
    calls = _WindowCalls(dated, partition_column, fixed_point_columns(feature_set))

    def outputs() -> dict[str, ir.Value]:
        columns = {f.name: _feature(f, time, calls) for f in feature_set.features}
        columns[DUPLICATE] = calls.earlier(DAY, 1) == calls.column(DAY)
        return columns

    outputs()  # the first pass collects the window calls the features need
    calls.evaluate([*keys, feature_set.target, DAY])
    return calls.table.select(*keys, feature_set.target, **outputs())


def fixed_point_columns(feature_set: FeatureSet) -> dict[str, int]:
    """Columns with declared decimals that some sum or mean reads -> their decimal places."""
    summed = {
        feature.column
        for feature in feature_set.features
        if isinstance(feature, RollingFeature | ExpandingFeature)
        and feature.agg in FIXED_POINT_AGGREGATES
    }
    return {c: places for c, places in feature_set.decimals.items() if c in summed}


def fixed_point_reach(feature_set: FeatureSet, column: str, rows: int) -> int:
    """How many times the largest scaled value of `column` one of the query's sums can add
    up, in a table of `rows` rows: those sums are exact while (largest + 1) * reach < 2**53."""
    reach = 1
    for feature in feature_set.features:
        if not (
            isinstance(feature, RollingFeature | ExpandingFeature)
            and feature.column == column
            and feature.agg in FIXED_POINT_AGGREGATES
        ):
            continue
        if isinstance(feature, ExpandingFeature):
            reach = max(reach, rows)
        elif feature.agg == "mean" and feature.window_days > ROLLING_BY_OFFSETS_MAX_DAYS:
            reach = max(reach, feature.window_days * counting_unit(feature.window_days))
        else:
            reach = max(reach, feature.window_days)
    return reach


def fixed_point_column(column: str) -> str:
    return f"{RESERVED_PREFIX}scaled_{column}"


def to_fixed_point(value: ir.NumericValue, places: int) -> ir.FloatingValue:
    """`value` times 10**places, which is an integer when `value` has at most `places`
    decimals, rounded to that integer and held as a double.

    The multiplication may land a hair off the integer (1.1 * 10 is not exactly 11 in
    binary), so the result is rounded; going through BIGINT also turns -0.0 into 0.
    `compute_features` checks the declaration first, so no value lies near a tie.
    """
    return (value.cast("float64") * 10**places).round().cast("float64")


class _WindowCalls:
    """The window function calls of one query, each evaluated once however often it is used.

    Features are built twice with the same code: first against the dated input, which
    registers each call; then against the table holding the calls' results, which reads
    them by name.
    """

    def __init__(
        self, dated: ir.Table, partition_column: str | None, decimals: dict[str, int]
    ) -> None:
        self.table = dated
        self.decimals = decimals
        self._dated = dated
        self._partition = [dated[partition_column]] if partition_column else []
        self._names: dict[str, str] = {}
        self._calls: dict[str, ir.Value] = {}
        self._evaluated = False

    def column(self, name: str) -> ir.Value:
        return self.table[name]

    def in_fixed_point(self, column: str) -> bool:
        return column in self.decimals

    def window(self, **frame: tuple[int | None, int]) -> ibis.expr.builders.LegacyWindowBuilder:
        return ibis.window(group_by=self._partition, order_by=self._dated[DAY], **frame)

    def call(self, key: str, make: Callable[[ir.Table], ir.Value]) -> ir.Value:
        name = self._names.setdefault(key, f"{RESERVED_PREFIX}w{len(self._names)}")
        if self._evaluated:
            return self.table[name]
        return self._calls.setdefault(name, make(self._dated))

    def earlier(self, column: str, offset: int) -> ir.Value:
        """`column` on the row `offset` rows before, in the entity's day order."""
        return self.call(
            f"lag:{column}:{offset}", lambda t: t[column].lag(offset).over(self.window())
        )

    def evaluate(self, passed_through: list[str]) -> None:
        self.table = self._dated.select(*passed_through, **self._calls)
        self._evaluated = True


def _feature(feature: Feature, time: str, calls: _WindowCalls) -> ir.Value:
    if isinstance(feature, LagFeature):
        return _lag(feature.column, feature.days, calls)
    if isinstance(feature, RollingFeature):
        if feature.agg != "std" and feature.window_days <= ROLLING_BY_OFFSETS_MAX_DAYS:
            return _rolling_by_offsets(feature, calls)
        days = feature.window_days
        if feature.agg in FIXED_POINT_AGGREGATES:
            if calls.in_fixed_point(feature.column):
                return _fixed_point_frame(feature, calls, range=(-days, -1))
            return _rolling_in_order(feature, calls)
        return calls.call(
            f"rolling:{feature.column}:{feature.agg}:{days}",
            lambda t: _aggregate(t[feature.column], feature.agg).over(
                calls.window(range=(-days, -1))
            ),
        ).cast("float64")
    if isinstance(feature, ExpandingFeature):
        if feature.agg in FIXED_POINT_AGGREGATES and calls.in_fixed_point(feature.column):
            return _fixed_point_frame(feature, calls, rows=(None, -1))
        return calls.call(
            f"expanding:{feature.column}:{feature.agg}",
            lambda t: _aggregate(t[feature.column], feature.agg).over(
                calls.window(rows=(None, -1))
            ),
        ).cast("float64")
    return calendar_part(calls.column(time), feature.part)


def _aggregate(column: ir.NumericColumn, agg: str) -> ir.Value:
    if agg == "std":
        return column.std(how="sample")
    return getattr(column, agg)()


def _lag(column: str, days: int, calls: _WindowCalls) -> ir.Value:
    day = calls.column(DAY)
    if days <= LAG_BY_OFFSETS_MAX_DAYS:
        # The row dated t - days is `days` rows back unless days are missing in between, so
        # testing that offset first settles most rows with one comparison.
        branches = [
            (calls.earlier(DAY, offset) == day - days, calls.earlier(column, offset))
            for offset in range(days, 0, -1)
        ]
        return ibis.cases(*branches)
    # A frame holding only the day exactly `days` before: its one value, else NULL.
    return calls.call(
        f"lag_frame:{column}:{days}",
        lambda t: t[column].max().over(calls.window(range=(-days, -days))),
    )


def _rolling_by_offsets(feature: RollingFeature, calls: _WindowCalls) -> ir.Value:
    """A rolling aggregate read from the earlier rows within `window_days`, offset by offset.

    The same result as the RANGE frame: NULL values are skipped, and a window holding no value
    gives NULL.
    """
    day = calls.column(DAY)
    days = feature.window_days
    fixed_point = feature.agg in FIXED_POINT_AGGREGATES and calls.in_fixed_point(feature.column)
    column = fixed_point_column(feature.column) if fixed_point else feature.column
    pairs = [
        (calls.earlier(DAY, offset) >= day - days, calls.earlier(column, offset).cast("float64"))
        for offset in range(1, days + 1)
    ]
    if feature.agg in ("min", "max"):
        # least/greatest skip NULLs, as min/max do.
        kept = [ibis.cases((inside, value)) for inside, value in pairs]
        return ibis.least(*kept) if feature.agg == "min" else ibis.greatest(*kept)
    counted = [(inside & value.notnull()).fill_null(False) for inside, value in pairs]
    count = sum((c.cast("int32") for c in counted[1:]), counted[0].cast("int32"))
    parts = [
        ibis.cases((c, value), else_=0.0) for c, (_, value) in zip(counted, pairs, strict=True)
    ]
    total = sum(parts[1:], parts[0])
    if fixed_point:
        scale = 10 ** calls.decimals[feature.column]
        if feature.agg == "sum":
            return ibis.cases((count > 0, total / scale))
        return _exact_mean(total, count, scale)
    if feature.agg == "sum":
        return ibis.cases((count > 0, total))
    return total / count.nullif(0)


def _fixed_point_frame(
    feature: RollingFeature | ExpandingFeature,
    calls: _WindowCalls,
    **frame: tuple[int | None, int],
) -> ir.Value:
    """A sum or mean over a frame, from the engine's own frame SUM of the scaled column.

    The scaled values are integers, which doubles add exactly in any order, so the engines'
    fast frame aggregates give every engine the same bits. A rolling mean also needs the
    count; rather than a second frame aggregate, each value n enters the SUM as
    n * unit + 1 (`counting_unit`), so the one total holds both: sum * unit + count.
    """
    column = fixed_point_column(feature.column)
    key = f"{column}:{sorted(frame.items())}"
    scale = 10 ** calls.decimals[feature.column]
    if isinstance(feature, RollingFeature) and feature.agg == "mean":
        unit = counting_unit(feature.window_days)
        both = calls.call(
            f"counted:{key}:{unit}",
            lambda t: (t[column] * unit + 1).sum().over(calls.window(**frame)),
        )
        # Integers below 2**53 in doubles: the floor, products and differences are exact.
        count = both - (both / unit).floor() * unit
        return _exact_mean((both - count) / unit, count, scale)
    total = calls.call(f"sum:{key}", lambda t: t[column].sum().over(calls.window(**frame)))
    if feature.agg == "sum":
        return total / scale
    # An expanding window may hold more values than any unit leaves room for: count apart.
    count = calls.call(f"count:{key}", lambda t: t[column].count().over(calls.window(**frame)))
    return _exact_mean(total, count, scale)


def counting_unit(window_days: int) -> int:
    """The power of two above the most values a `window_days` window holds (one a day)."""
    return 1 << window_days.bit_length()


def _exact_mean(total: ir.FloatingValue, count: ir.NumericValue, scale: int) -> ir.FloatingValue:
    """total / count in the column's own units: one division of exact integers, which is
    correctly rounded IEEE arithmetic on every engine (NULL for an empty window)."""
    return total / (count * scale).nullif(0).cast("float64")


def _rolling_in_order(feature: RollingFeature, calls: _WindowCalls) -> ir.Value:
    """A long rolling sum or mean, adding the window's values oldest first.

    A SUM over the frame would be faster, but each engine adds a frame up in its own order,
    and a last-bit difference can move a value across a model's split threshold. The frame's
    values as a list, folded left, give every engine the same bits.
    """
    days = feature.window_days
    values = calls.call(
        f"values:{feature.column}:{days}",
        lambda t: t[feature.column].cast("float64").collect().over(calls.window(range=(-days, -1))),
    )
    count = values.length()
    total = ibis.cases((count > 0, values.sums()))
    if feature.agg == "sum":
        return total
    return total / count.nullif(0)


# Calendar parts the query returns as an angle: the JVM's and C's maths libraries round
# sin/cos differently in the last bit, so the caller applies the function to the query's
# result with Arrow, which gives the same bits whichever engine ran the query. Part name ->
# the function, as pyarrow.compute and Ibis both name it.
ANGLE_PARTS = {"day_of_year_sin": "sin", "day_of_year_cos": "cos"}


def calendar_part(date: ir.DateValue, part: str) -> ir.Value:
    """A calendar part of `date`, typed as `compute_features` documents (but see ANGLE_PARTS)."""
    # Day 1 maps to angle 0 and the year's own length (365 or 366) to a full turn, so
    # 31 December and 1 January are neighbours in every year. Products and quotients of
    # doubles are correctly rounded IEEE operations, so every engine gets the same angle.
    year_length = ibis.date(date.year(), 12, 31).day_of_year()
    angle = 2 * ibis.pi * (date.day_of_year() - 1) / year_length
    iso_weekday = date.day_of_week.index() + 1
    parts: dict[str, Callable[[], ir.Value]] = {
        "day_of_year": lambda: date.day_of_year().cast("int16"),
        "month": lambda: date.month().cast("int8"),
        "day_of_week": lambda: iso_weekday.cast("int8"),
        "is_weekend": lambda: (iso_weekday >= 6).cast("int8"),
        "day_of_year_sin": lambda: angle,
        "day_of_year_cos": lambda: angle,
    }
    return parts[part]()
