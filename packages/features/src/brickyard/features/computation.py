"""Compute a feature set on an Arrow table with one DuckDB query.

Point-in-time rule: the features of the row at day t read only rows of the same entity
with day < t. Windows are calendar-day RANGE frames over the day number, so a gap in the
data never stretches a "7-day" window further back, and a lag of k days is the value at
exactly t - k days (NULL when that day is missing). Calendar features read only t itself.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brickyard.features.definitions import (
    RESERVED_PREFIX,
    CalendarFeature,
    ExpandingFeature,
    Feature,
    FeatureSet,
    LagFeature,
    RollingFeature,
)
from brickyard.features.errors import FeatureComputationError

_DAY = f"{RESERVED_PREFIX}day"
_DUPLICATE = f"{RESERVED_PREFIX}duplicate"
_INPUT = f"{RESERVED_PREFIX}features_input"

_SQL_AGGREGATES = {
    "mean": "avg",
    "sum": "sum",
    "min": "min",
    "max": "max",
    "std": "stddev_samp",
}

# Up to this many days a lag is read with one LAG per possible row offset (cheap, shares the
# window's sort); beyond it, the first row of a RANGE frame is cheaper than k LAG pairs.
_LAG_BY_OFFSETS_MAX_DAYS = 14


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def build_feature_query(
    feature_set: FeatureSet, relation: str, *, entity_range: bool = False
) -> str:
    """The DuckDB SQL that computes `feature_set` from the table or view `relation`.

    Exposed so the exact computation can be inspected; `compute_features` runs it.
    The query also returns a boolean helper column flagging duplicate (entity, day) rows.
    With `entity_range`, it reads only entities between the parameters `$first` and
    `$last` (inclusive).
    """
    time = _quote(feature_set.time_column)
    entity = _quote(feature_set.entity_column) if feature_set.entity_column else None
    partition = f"PARTITION BY {entity} " if entity else ""
    order = f"{partition}ORDER BY {_DAY}"

    key_columns = [c for c in (entity, time) if c]
    inputs = [*key_columns, _quote(feature_set.target)]
    inputs += [_quote(c) for c in feature_set.source_columns if _quote(c) not in inputs]
    selected = [*key_columns, _quote(feature_set.target)]
    selected += [
        f"{_feature_sql(f, order, time)} AS {_quote(f.name)}" for f in feature_set.features
    ]
    selected.append(f"lag({_DAY}) OVER ({order}) = {_DAY} AS {_DUPLICATE}")
    where = f" WHERE {entity} BETWEEN $first AND $last" if entity and entity_range else ""
    return (
        "SELECT\n  "
        + ",\n  ".join(selected)
        + f"\nFROM (SELECT {', '.join(inputs)}, {time} - DATE '1970-01-01' AS {_DAY}"
        + f" FROM {_quote(relation)}{where})"
        + f"\nORDER BY {', '.join([*key_columns[:-1], _DAY])}"
    )


def _feature_sql(feature: Feature, order: str, time: str) -> str:
    if isinstance(feature, LagFeature):
        return _lag_sql(_quote(feature.column), feature.days, order)
    if isinstance(feature, RollingFeature):
        # EXCLUDE CURRENT ROW instead of "AND 1 PRECEDING": same rows (days are unique per
        # entity) but DuckDB evaluates frames ending at the current row far faster.
        frame = f"RANGE BETWEEN {feature.window_days} PRECEDING AND CURRENT ROW"
        aggregate = _SQL_AGGREGATES[feature.agg]
        return (
            f"CAST({aggregate}({_quote(feature.column)}) OVER "
            f"({order} {frame} EXCLUDE CURRENT ROW) AS DOUBLE)"
        )
    if isinstance(feature, ExpandingFeature):
        aggregate = _SQL_AGGREGATES[feature.agg]
        return (
            f"CAST({aggregate}({_quote(feature.column)}) OVER "
            f"({order} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS DOUBLE)"
        )
    return _calendar_sql(feature, time)


def _lag_sql(column: str, days: int, order: str) -> str:
    if days <= _LAG_BY_OFFSETS_MAX_DAYS:
        # With one row per day, the row dated t - days is at most `days` rows back.
        branches = " ".join(
            f"WHEN lag({_DAY}, {offset}) OVER ({order}) = {_DAY} - {days} "
            f"THEN lag({column}, {offset}) OVER ({order})"
            for offset in range(1, days + 1)
        )
        return f"CASE {branches} END"
    window = f"({order} RANGE BETWEEN {days} PRECEDING AND CURRENT ROW)"
    return (
        f"CASE WHEN first_value({_DAY}) OVER {window} = {_DAY} - {days} "
        f"THEN first_value({column}) OVER {window} END"
    )


def _calendar_sql(feature: CalendarFeature, time: str) -> str:
    # Day 1 maps to angle 0 and the year's own length (365 or 366) to a full turn, so
    # 31 December and 1 January are neighbours in every year.
    angle = f"2 * pi() * (dayofyear({time}) - 1) / dayofyear(make_date(year({time}), 12, 31))"
    return {
        "day_of_year": f"CAST(dayofyear({time}) AS SMALLINT)",
        "month": f"CAST(month({time}) AS TINYINT)",
        "day_of_week": f"CAST(isodow({time}) AS TINYINT)",
        "is_weekend": f"CAST(isodow({time}) >= 6 AS TINYINT)",
        "day_of_year_sin": f"sin({angle})",
        "day_of_year_cos": f"cos({angle})",
    }[feature.part]


def compute_features(
    table: pa.Table,
    feature_set: FeatureSet,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
    batch_rows: int = 2_000_000,
) -> pa.Table:
    """Compute `feature_set` on `table`, point-in-time correct.

    Returns the columns entity (if any), time, target, then the features in declaration
    order, sorted by entity and time. Lags keep their column's type; rolling and expanding
    aggregates are float64 (NULL when their window holds no value, std also with one);
    calendar parts are small integers (ISO day of week, 1 = Monday; is_weekend 0/1) or float64
    (sin/cos).

    Memory stays bounded on large inputs: entities are processed in consecutive ranges of
    about `batch_rows` rows, one query per range, because the sorts behind window functions
    and ORDER BY hold their whole input in memory. One entity is never split. Pass
    `connection` to control DuckDB's threads and memory limit.
    """
    if batch_rows < 1:
        raise FeatureComputationError(f"batch_rows must be at least 1, got {batch_rows}")
    table = _checked_input(table, feature_set)
    owned = connection is None
    con = duckdb.connect(":memory:") if connection is None else connection
    try:
        con.register(_INPUT, table)
        try:
            ranges = _entity_ranges(con, feature_set, table.num_rows, batch_rows)
            if ranges is None:
                result = con.sql(build_feature_query(feature_set, _INPUT)).to_arrow_table()
            else:
                query = build_feature_query(feature_set, _INPUT, entity_range=True)
                result = pa.concat_tables(
                    con.sql(query, params={"first": first, "last": last}).to_arrow_table()
                    for first, last in ranges
                )
        finally:
            con.unregister(_INPUT)
    finally:
        if owned:
            con.close()
    _reject_duplicates(result, feature_set)
    return result.drop_columns([_DUPLICATE])


def _entity_ranges(
    con: duckdb.DuckDBPyConnection, feature_set: FeatureSet, rows: int, batch_rows: int
) -> list[tuple[Any, Any]] | None:
    """Consecutive (first, last) entity ranges of about `batch_rows` rows, in sort order.

    None when one query suffices. DuckDB sorts the entities so that the ranges follow the
    same order as the feature query's ORDER BY, and concatenating the batches stays sorted.
    """
    if feature_set.entity_column is None or rows <= batch_rows:
        return None
    entity = _quote(feature_set.entity_column)
    counts = con.sql(
        f"SELECT {entity} AS entity, count(*) AS n FROM {_quote(_INPUT)} "
        "GROUP BY ALL ORDER BY entity"
    ).to_arrow_table()
    rows_before = np.cumsum(counts["n"].to_numpy()) - counts["n"].to_numpy()
    batch = rows_before // batch_rows
    starts = np.flatnonzero(np.diff(batch, prepend=-1))
    ends = [*(starts[1:] - 1), len(batch) - 1]
    entities = counts["entity"]
    return [
        (entities[int(start)].as_py(), entities[int(end)].as_py())
        for start, end in zip(starts, ends, strict=True)
    ]


def _checked_input(table: pa.Table, feature_set: FeatureSet) -> pa.Table:
    available = table.schema.names

    def require(column: str, what: str) -> pa.DataType:
        if column not in available:
            raise FeatureComputationError(
                f"{what} is not in the input table (columns: {', '.join(available)}); "
                "fix the feature set or the input"
            )
        return table.schema.field(column).type

    time_type = require(feature_set.time_column, f"time column '{feature_set.time_column}'")
    if pa.types.is_date64(time_type):
        index = available.index(feature_set.time_column)
        table = table.set_column(
            index, feature_set.time_column, pc.cast(table[feature_set.time_column], pa.date32())
        )
    elif not pa.types.is_date32(time_type):
        raise FeatureComputationError(
            f"time column '{feature_set.time_column}' has type {time_type}, expected date; "
            "cast it to date32 before computing features"
        )
    _reject_nulls(table, feature_set.time_column, "time")
    if feature_set.entity_column is not None:
        require(feature_set.entity_column, f"entity column '{feature_set.entity_column}'")
        _reject_nulls(table, feature_set.entity_column, "entity")
    require(feature_set.target, f"target column '{feature_set.target}'")
    for feature in feature_set.features:
        if isinstance(feature, CalendarFeature):
            continue
        column_type = require(
            feature.column, f"column '{feature.column}' (read by feature '{feature.name}')"
        )
        numeric = pa.types.is_integer(column_type) or pa.types.is_floating(column_type)
        if isinstance(feature, RollingFeature | ExpandingFeature) and not numeric:
            raise FeatureComputationError(
                f"feature '{feature.name}' aggregates column '{feature.column}' of type "
                f"{column_type}; {feature.agg} needs an integer or floating point column"
            )
    return table


def _reject_nulls(table: pa.Table, column: str, role: str) -> None:
    values = table[column]
    if values.null_count:
        first = pc.index(pc.is_null(values), True).as_py()
        raise FeatureComputationError(
            f"{role} column '{column}' has {values.null_count} NULL value(s), first at row "
            f"{first}; drop or fill those rows before computing features"
        )


def _reject_duplicates(result: pa.Table, feature_set: FeatureSet) -> None:
    flags = result[_DUPLICATE]
    if not pc.any(flags).as_py():
        return
    row = pc.index(flags, True).as_py()
    day = result[feature_set.time_column][row].as_py()
    where = f"day {day}"
    if feature_set.entity_column is not None:
        where = f"entity {result[feature_set.entity_column][row].as_py()!r}, {where}"
    count = pc.sum(flags).as_py()
    raise FeatureComputationError(
        f"{count} row(s) repeat an earlier (entity, {feature_set.time_column}) key, first "
        f"{where}; point-in-time features need one row per entity and day, so deduplicate "
        "the input first"
    )
