"""Compute a feature set on an Arrow table with DuckDB window functions.

Point-in-time rule: the features of the row at day t read only rows of the same entity
with day < t. Windows are calendar-day frames over the day number, so a gap in the data
never stretches a "7-day" window further back, and a lag of k days is the value at exactly
t - k days (NULL when that day is missing). Calendar features read only t itself.

All window functions share one window (partition by entity, order by day), so DuckDB sorts
the rows once. Lags and short windows read the few earlier rows they can reach one row
offset at a time; longer windows use calendar-day frames.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from dataclasses import dataclass

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
_CODE = f"{RESERVED_PREFIX}entity_code"
_ENTITIES = f"{RESERVED_PREFIX}entities"
_WINDOW = f"{RESERVED_PREFIX}window"

_SQL_AGGREGATES = {
    "mean": "avg",
    "sum": "sum",
    "min": "min",
    "max": "max",
    "std": "stddev_samp",
}

# With one row per day, the row dated t - k is at most k rows back, so lags and short rolling
# windows can read the k earlier rows one LAG at a time; LAGs share the window's sort and are
# reused across features. Up to these many days that is cheaper than a RANGE frame: a lag
# needs one value (found by the first offset tried unless days are missing), a rolling
# window all k of them.
_LAG_BY_OFFSETS_MAX_DAYS = 14
_ROLLING_BY_OFFSETS_MAX_DAYS = 7

DEFAULT_BATCH_ROWS = 1_000_000


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def build_feature_query(
    feature_set: FeatureSet, relation: str, *, entity_range: bool = False, ordered: bool = True
) -> str:
    """The DuckDB SQL that computes `feature_set` from the table or view `relation`.

    Exposed so the computation can be inspected. The query also returns a boolean helper
    column flagging duplicate (entity, day) rows. With `entity_range`, it reads only entities
    between the parameters `$first` and `$last` (inclusive); with `ordered=False` the rows
    come in no particular order. `compute_features` runs the same window functions, but
    partitions by an integer code of the entity (cheaper to sort than, say, strings) and
    puts the rows in order itself, which costs less than an ORDER BY over the wide result.
    """
    entity = feature_set.entity_column
    return _window_query(feature_set, relation, entity, entity_range=entity_range, ordered=ordered)


def _window_query(
    feature_set: FeatureSet,
    relation: str,
    partition_column: str | None,
    *,
    entity_range: bool,
    ordered: bool,
) -> str:
    """The feature query, partitioned by `partition_column` and returning it first.

    An inner SELECT evaluates every distinct window function call once; the outer SELECT
    combines their results into the features.
    """
    time = _quote(feature_set.time_column)
    partition = _quote(partition_column) if partition_column else None
    key_columns = [c for c in (partition, time) if c]
    inputs = [*key_columns, _quote(feature_set.target)]
    inputs += [_quote(c) for c in feature_set.source_columns if _quote(c) not in inputs]
    windowed = _WindowCalls()
    selected = [*key_columns, _quote(feature_set.target)]
    selected += [
        f"{_feature_sql(f, time, windowed)} AS {_quote(f.name)}" for f in feature_set.features
    ]
    selected.append(f"{windowed.earlier(_DAY, 1)} = {_DAY} AS {_DUPLICATE}")
    where = f" WHERE {partition} BETWEEN $first AND $last" if partition and entity_range else ""
    partition_by = f"PARTITION BY {partition} " if partition else ""
    calls = [f"{call} AS {name}" for call, name in windowed.names.items()]
    query = (
        "SELECT\n  "
        + ",\n  ".join(selected)
        + f"\nFROM (\n  SELECT {', '.join([*key_columns, _quote(feature_set.target), _DAY])},"
        + "\n    "
        + ",\n    ".join(calls)
        + f"\n  FROM (SELECT {', '.join(inputs)}, {time} - DATE '1970-01-01' AS {_DAY}"
        + f" FROM {_quote(relation)}{where})"
        + f"\n  WINDOW {_WINDOW} AS ({partition_by}ORDER BY {_DAY})\n)"
    )
    if ordered:
        query += f"\nORDER BY {', '.join([*key_columns[:-1], _DAY])}"
    return query


class _WindowCalls:
    """The window function calls of one query, each named once however often it is used."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, call: str) -> str:
        return self.names.setdefault(call, f"{RESERVED_PREFIX}w{len(self.names)}")

    def earlier(self, expression: str, offset: int) -> str:
        """`expression` on the row `offset` rows before, in the entity's day order."""
        return self(f"lag({expression}, {offset}) OVER {_WINDOW}")


def _feature_sql(feature: Feature, time: str, windowed: _WindowCalls) -> str:
    if isinstance(feature, LagFeature):
        return _lag_sql(_quote(feature.column), feature.days, windowed)
    if isinstance(feature, RollingFeature):
        if feature.agg != "std" and feature.window_days <= _ROLLING_BY_OFFSETS_MAX_DAYS:
            return _rolling_by_offsets_sql(feature, windowed)
        # EXCLUDE CURRENT ROW instead of "AND 1 PRECEDING": same rows (days are unique per
        # entity) but DuckDB evaluates frames ending at the current row far faster.
        frame = f"RANGE BETWEEN {feature.window_days} PRECEDING AND CURRENT ROW"
        aggregate = _SQL_AGGREGATES[feature.agg]
        call = f"{aggregate}({_quote(feature.column)}) OVER ({_WINDOW} {frame} EXCLUDE CURRENT ROW)"
        return f"CAST({windowed(call)} AS DOUBLE)"
    if isinstance(feature, ExpandingFeature):
        aggregate = _SQL_AGGREGATES[feature.agg]
        frame = "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
        call = f"{aggregate}({_quote(feature.column)}) OVER ({_WINDOW} {frame})"
        return f"CAST({windowed(call)} AS DOUBLE)"
    return _calendar_sql(feature, time)


def _lag_sql(column: str, days: int, windowed: _WindowCalls) -> str:
    if days <= _LAG_BY_OFFSETS_MAX_DAYS:
        # The row dated t - days is `days` rows back unless days are missing in between, so
        # testing that offset first settles most rows with one comparison.
        branches = " ".join(
            f"WHEN {windowed.earlier(_DAY, offset)} = {_DAY} - {days} "
            f"THEN {windowed.earlier(column, offset)}"
            for offset in range(days, 0, -1)
        )
        return f"CASE {branches} END"
    frame = f"({_WINDOW} RANGE BETWEEN {days} PRECEDING AND CURRENT ROW)"
    first_day = windowed(f"first_value({_DAY}) OVER {frame}")
    first_value = windowed(f"first_value({column}) OVER {frame}")
    return f"CASE WHEN {first_day} = {_DAY} - {days} THEN {first_value} END"


def _rolling_by_offsets_sql(feature: RollingFeature, windowed: _WindowCalls) -> str:
    """A rolling aggregate read from the earlier rows within `window_days`, offset by offset.

    The same result as the RANGE frame: NULL values are skipped, and a window holding no value
    gives NULL.
    """
    days = feature.window_days
    offsets = range(1, days + 1)
    inside = [f"{windowed.earlier(_DAY, offset)} >= {_DAY} - {days}" for offset in offsets]
    values = [
        f"CAST({windowed.earlier(_quote(feature.column), offset)} AS DOUBLE)" for offset in offsets
    ]
    pairs = list(zip(inside, values, strict=True))
    if feature.agg in ("min", "max"):
        # least/greatest skip NULLs and order NaN as min/max do.
        kept = ", ".join(f"CASE WHEN {where} THEN {value} END" for where, value in pairs)
        return f"{'least' if feature.agg == 'min' else 'greatest'}({kept})"
    count = " + ".join(
        f"CAST(coalesce({where} AND {value} IS NOT NULL, FALSE) AS INTEGER)"
        for where, value in pairs
    )
    total = " + ".join(
        f"CASE WHEN {where} AND {value} IS NOT NULL THEN {value} ELSE 0 END"
        for where, value in pairs
    )
    if feature.agg == "sum":
        return f"CASE WHEN {count} > 0 THEN {total} END"
    return f"({total}) / NULLIF({count}, 0)"


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
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> pa.Table:
    """Compute `feature_set` on `table`, point-in-time correct.

    Returns the columns entity (if any), time, target, then the features in declaration
    order, sorted by entity and time. Lags keep their column's type; rolling and expanding
    aggregates are float64 (NULL when their window holds no value, std also with one);
    calendar parts are small integers (ISO day of week, 1 = Monday; is_weekend 0/1) or float64
    (sin/cos).

    Memory stays bounded on large inputs: entities are processed in consecutive ranges of
    about `batch_rows` rows, one query per range, because the sorts behind window functions
    hold their whole input in memory. One entity is never split. Pass `connection` to
    control DuckDB's threads and memory limit. To write a large result to Parquet without
    holding it in memory, use `write_features`.
    """
    batches = list(
        feature_batches(table, feature_set, connection=connection, batch_rows=batch_rows)
    )
    return pa.concat_tables(batches)


def feature_batches(
    table: pa.Table,
    feature_set: FeatureSet,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Generator[pa.Table, None, None]:
    """The rows of `compute_features`, in order, as one table per range of entities.

    There is always at least one table (empty for an empty input), and all have the same
    schema. Input problems raise before the first table is produced; a duplicate (entity,
    day) key raises when the range holding it is reached.
    """
    if batch_rows < 1:
        raise FeatureComputationError(f"batch_rows must be at least 1, got {batch_rows}")
    checked = _checked_input(table, feature_set)
    return _batches(checked, feature_set, connection, batch_rows)


def _batches(
    table: pa.Table,
    feature_set: FeatureSet,
    connection: duckdb.DuckDBPyConnection | None,
    batch_rows: int,
) -> Generator[pa.Table, None, None]:
    entities = _Entities.of(table, feature_set)
    inputs = table.select(_input_columns(feature_set))
    if entities is not None:
        inputs = inputs.append_column(_CODE, entities.codes)
    owned = connection is None
    con = _connect() if connection is None else connection
    try:
        if entities is not None:
            entities = entities.returned_by(con)
        con.register(_INPUT, inputs)
        try:
            partition = None if entities is None else _CODE
            ranges = _code_ranges(con, entities, batch_rows)
            if ranges is None:
                query = _window_query(
                    feature_set, _INPUT, partition, entity_range=False, ordered=False
                )
                results = iter([con.sql(query).to_arrow_table()])
            else:
                query = _window_query(
                    feature_set, _INPUT, partition, entity_range=True, ordered=False
                )
                results = (
                    con.sql(query, params={"first": first, "last": last}).to_arrow_table()
                    for first, last in ranges
                )
            for result in results:
                batch = _in_key_order(result, feature_set, entities)
                _reject_duplicates(con, batch, feature_set)
                yield batch.drop_columns([_DUPLICATE])
        finally:
            con.unregister(_INPUT)
    finally:
        if owned:
            con.close()


def _input_columns(feature_set: FeatureSet) -> list[str]:
    columns = [feature_set.time_column, feature_set.target, *feature_set.source_columns]
    return list(dict.fromkeys(columns))


@dataclass(frozen=True)
class _Entities:
    """The distinct entities in sort order, and each row's entity as its position there."""

    values: pa.Array
    codes: pa.ChunkedArray

    @classmethod
    def of(cls, table: pa.Table, feature_set: FeatureSet) -> _Entities | None:
        if feature_set.entity_column is None:
            return None
        column = table[feature_set.entity_column]
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        distinct = pc.unique(column)
        values = distinct.take(pc.sort_indices(distinct))
        return cls(values=values, codes=pc.index_in(column, value_set=values))

    def returned_by(self, con: duckdb.DuckDBPyConnection) -> _Entities:
        """The same entities typed as DuckDB returns them (e.g. large strings as strings)."""
        con.register(_ENTITIES, pa.table({"entity": self.values.slice(0, 0)}))
        try:
            returned = con.sql(f"SELECT entity FROM {_quote(_ENTITIES)}").to_arrow_table()
        finally:
            con.unregister(_ENTITIES)
        return _Entities(self.values.cast(returned.schema.field("entity").type), self.codes)

    def decode(self, codes: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.take(self.values, codes)


def _connect() -> duckdb.DuckDBPyConnection:
    # Rows are put in order after the query, so DuckDB need not keep any order; a library
    # must not draw DuckDB's progress bar on its caller's terminal.
    con = duckdb.connect(":memory:", config={"preserve_insertion_order": False})
    # Inside Jupyter, DuckDB refuses to change the setting unless ipywidgets is installed;
    # without it no bar is drawn there anyway.
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")
    return con


def _code_ranges(
    con: duckdb.DuckDBPyConnection, entities: _Entities | None, batch_rows: int
) -> list[tuple[int, int]] | None:
    """Consecutive (first, last) entity code ranges of about `batch_rows` rows.

    None when one query suffices. Codes follow the entities' sort order, so the batches of
    consecutive ranges concatenate to a sorted result.
    """
    if entities is None or len(entities.codes) <= batch_rows:
        return None
    counts = con.sql(
        f"SELECT {_CODE} AS code, count(*) AS n FROM {_quote(_INPUT)} GROUP BY ALL ORDER BY code"
    ).to_arrow_table()
    rows = np.zeros(len(entities.values), dtype=np.int64)
    rows[counts["code"].to_numpy()] = counts["n"].to_numpy()
    batch = (np.cumsum(rows) - rows) // batch_rows
    starts = np.flatnonzero(np.diff(batch, prepend=-1))
    ends = [*(starts[1:] - 1), len(batch) - 1]
    return [(int(start), int(end)) for start, end in zip(starts, ends, strict=True)]


def _in_key_order(
    result: pa.Table, feature_set: FeatureSet, entities: _Entities | None
) -> pa.Table:
    """`result` sorted by entity and day, with entity codes turned back into entities.

    DuckDB emits a window's rows as long runs that are each in order already (one entity, or
    a stretch of it, by increasing day), so whole runs are moved into place - zero-copy
    slices - instead of sorting every row again. Should runs overlap, a full sort is done.
    """
    rows = result.num_rows
    days = result[feature_set.time_column].cast(pa.int32()).to_numpy()
    codes = np.zeros(rows, dtype=np.int32) if entities is None else result[_CODE].to_numpy()
    continues = (codes[1:] == codes[:-1]) & (days[1:] > days[:-1])
    breaks = np.flatnonzero(~continues) + 1
    starts = np.concatenate([[0], breaks]).astype(np.int64)
    ends = np.concatenate([breaks, [rows]]).astype(np.int64)
    if rows < 2 or starts.size == 1:
        ordered = result
    else:
        order = np.lexsort((days[starts], codes[starts]))
        run_codes, first_days = codes[starts[order]], days[starts[order]]
        last_days = days[ends[order] - 1]
        disjoint = (run_codes[1:] != run_codes[:-1]) | (first_days[1:] > last_days[:-1])
        if disjoint.all():
            ordered = pa.concat_tables(
                result.slice(int(starts[run]), int(ends[run] - starts[run])) for run in order
            )
        else:
            ordered = result.take(pa.array(np.lexsort((days, codes))))
    if entities is None:
        return ordered
    entity = entities.decode(ordered[_CODE])
    return ordered.set_column(0, feature_set.entity_column, entity)


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


def _reject_duplicates(
    con: duckdb.DuckDBPyConnection, batch: pa.Table, feature_set: FeatureSet
) -> None:
    flags = batch[_DUPLICATE]
    if not pc.any(flags).as_py():
        return
    # Batches arrive in key order, so this batch holds the first duplicate; the count covers
    # the whole input.
    row = pc.index(flags, True).as_py()
    day = batch[feature_set.time_column][row].as_py()
    where = f"day {day}"
    keys = [_quote(feature_set.time_column)]
    if feature_set.entity_column is not None:
        where = f"entity {batch[feature_set.entity_column][row].as_py()!r}, {where}"
        keys.insert(0, _CODE)
    ((count,),) = con.sql(
        f"SELECT sum(n - 1) FROM (SELECT count(*) AS n FROM {_quote(_INPUT)} "
        f"GROUP BY {', '.join(keys)})"
    ).fetchall()
    raise FeatureComputationError(
        f"{count} row(s) repeat an earlier (entity, {feature_set.time_column}) key, first "
        f"{where}; point-in-time features need one row per entity and day, so deduplicate "
        "the input first"
    )
