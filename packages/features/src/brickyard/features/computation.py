"""Compute a feature set on an Arrow table, on DuckDB (default) or Spark.

What is computed is one Ibis expression (`brickyard.features.expressions`); this module
feeds it the input, picks the engine and puts the result in order. Entities are replaced by
integer codes before the query (cheaper to sort than, say, strings) and decoded after it, and
the rows are put in order here, which costs less than an ORDER BY over the wide result.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator
from dataclasses import dataclass

import duckdb
import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brickyard.features.definitions import (
    RESERVED_PREFIX,
    CalendarFeature,
    ExpandingFeature,
    FeatureSet,
    RollingFeature,
)
from brickyard.features.engines import DuckDBEngine, FeatureEngine, nullable
from brickyard.features.errors import FeatureComputationError
from brickyard.features.expressions import (
    ANGLE_PARTS,
    DUPLICATE,
    feature_expression,
    fixed_point_columns,
    fixed_point_reach,
)

_CODE = f"{RESERVED_PREFIX}entity_code"

# Doubles hold every integer below this exactly, so sums of scaled values below it are exact.
_EXACT_INTEGERS = 2**53

DEFAULT_BATCH_ROWS = 1_000_000


def build_feature_query(
    feature_set: FeatureSet,
    schema: pa.Schema,
    *,
    relation: str,
    engine: FeatureEngine | None = None,
) -> str:
    """The SQL that computes `feature_set` from the table `relation` with columns `schema`.

    Exposed so the computation can be inspected or run elsewhere, in the dialect of
    `engine` (DuckDB by default). The query partitions by the entity column itself, returns
    rows ordered by entity and time, and adds a boolean helper column flagging duplicate
    (entity, day) rows. Its sin/cos calendar parts use the engine's own maths library, which
    may differ from `compute_features` in the last bit (see `expressions.ANGLE_PARTS`). It
    trusts the feature set's `decimals`, which only `compute_features` checks against the data.
    """
    engine = engine or DuckDBEngine()
    expression = feature_expression(
        _ibis_table(schema, relation), feature_set, partition_column=feature_set.entity_column
    )
    angles = {
        name: getattr(expression[name], function)()
        for name, function in ANGLE_PARTS.items()
        if name in expression.columns
    }
    keys = [c for c in (feature_set.entity_column, feature_set.time_column) if c]
    return engine.compile(expression.mutate(**angles).order_by(keys))


def compute_features(
    table: pa.Table,
    feature_set: FeatureSet,
    *,
    engine: FeatureEngine | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> pa.Table:
    """Compute `feature_set` on `table`, point-in-time correct.

    Returns the columns entity (if any), time, target, then the features in declaration
    order, sorted by entity and time. Lags keep their column's type; rolling and expanding
    aggregates are float64 (NULL when their window holds no value, std also with one);
    calendar parts are small integers (ISO day of week, 1 = Monday; is_weekend 0/1) or float64
    (sin/cos). Sums and means of a column in the feature set's `decimals` are the correctly
    rounded results for the values as written; a value with more decimals than declared
    raises `FeatureComputationError`.

    `engine` is where it runs: DuckDB in this process by default (`connection`, if given,
    is the DuckDB connection to use, e.g. to set threads or a memory limit), or a
    `SparkEngine`. Every engine returns the same table.

    Memory stays bounded on large inputs: on DuckDB, entities are processed in consecutive
    ranges of about `batch_rows` rows, one query per range, because the sorts behind window
    functions hold their whole input in memory. One entity is never split. To write a large
    result to Parquet without holding it in memory, use `write_features`.
    """
    batches = list(
        feature_batches(
            table, feature_set, engine=engine, connection=connection, batch_rows=batch_rows
        )
    )
    return pa.concat_tables(batches)


def feature_batches(
    table: pa.Table,
    feature_set: FeatureSet,
    *,
    engine: FeatureEngine | None = None,
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
    if engine is not None and connection is not None:
        raise FeatureComputationError(
            "pass either engine or connection, not both (a DuckDB connection belongs in "
            "DuckDBEngine(connection))"
        )
    checked = _checked_input(table, feature_set)
    return _batches(checked, feature_set, engine or DuckDBEngine(connection), batch_rows)


def _batches(
    table: pa.Table, feature_set: FeatureSet, engine: FeatureEngine, batch_rows: int
) -> Generator[pa.Table, None, None]:
    entities = _Entities.of(table, feature_set)
    inputs = table.select(_input_columns(feature_set))
    if entities is not None:
        inputs = inputs.append_column(_CODE, entities.codes)
    inputs = inputs.cast(nullable(inputs.schema))
    relation = f"{RESERVED_PREFIX}features_input_{uuid.uuid4().hex}"
    source = _ibis_table(inputs.schema, relation)
    partition = None if entities is None else _CODE
    ranges: list[tuple[int, int] | None] = [None]
    if entities is not None and engine.computes_in_ranges:
        ranges = [*_code_ranges(entities, batch_rows)]
    expression = feature_expression(source, feature_set, partition_column=partition)
    sql = engine.compile(expression)
    # Engines differ in the types they return (e.g. Spark's int32 day of year); the
    # expression's own schema is the one every engine's result must have.
    schema = expression.schema().to_pyarrow()
    with engine.loaded(inputs, relation) as run_sql:
        for entity_range in ranges:
            rows = None if entity_range is None else (_CODE, *entity_range)
            result = run_sql(sql, rows).cast(schema)
            batch = _with_angle_functions(_in_key_order(result, feature_set, entities))
            _reject_duplicates(inputs, batch, feature_set)
            yield batch.drop_columns([DUPLICATE])


def _with_angle_functions(result: pa.Table) -> pa.Table:
    for name, function in ANGLE_PARTS.items():
        if name in result.column_names:
            index = result.column_names.index(name)
            result = result.set_column(index, name, getattr(pc, function)(result[name]))
    return result


def _ibis_table(schema: pa.Schema, name: str) -> ibis.Table:
    return ibis.table(ibis.Schema.from_pyarrow(nullable(schema)), name=name)


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
        # Large and small string entities come out alike, whatever the input's flavour.
        if pa.types.is_large_string(column.type):
            column = column.cast(pa.string())
        distinct = pc.unique(column)
        values = distinct.take(pc.sort_indices(distinct))
        return cls(values=values, codes=pc.index_in(column, value_set=values))

    def decode(self, codes: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.take(self.values, codes)


def _code_ranges(entities: _Entities, batch_rows: int) -> list[tuple[int, int] | None]:
    """Consecutive (first, last) entity code ranges of about `batch_rows` rows.

    [None] (everything at once) when one query suffices. Codes follow the entities' sort
    order, so the batches of consecutive ranges concatenate to a sorted result.
    """
    if len(entities.codes) <= batch_rows:
        return [None]
    rows = np.bincount(entities.codes.to_numpy(), minlength=len(entities.values))
    batch = (np.cumsum(rows) - rows) // batch_rows
    starts = np.flatnonzero(np.diff(batch, prepend=-1))
    ends = [*(starts[1:] - 1), len(batch) - 1]
    return [(int(start), int(end)) for start, end in zip(starts, ends, strict=True)]


def _in_key_order(
    result: pa.Table, feature_set: FeatureSet, entities: _Entities | None
) -> pa.Table:
    """`result` sorted by entity and day, with entity codes turned back into entities.

    Engines emit a window's rows as long runs that are each in order already (one entity, or
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
    for column, places in fixed_point_columns(feature_set).items():
        reach = fixed_point_reach(feature_set, column, table.num_rows)
        _check_decimals(table[column].cast(pa.float64()), column, places, reach)
    return table


def _check_decimals(values: pa.ChunkedArray, column: str, places: int, reach: int) -> None:
    """Every value of `column` has at most `places` decimals, and its sums stay exact.

    The fixed-point sums (`expressions.to_fixed_point`) rely on both: a sum adds up to
    `reach` times the largest scaled value, and must stay below 2**53.
    """
    scale = 10.0**places
    largest = 0.0
    offset = 0
    for chunk in values.chunks:
        scaled = pc.round(pc.multiply(chunk, scale))
        written = pc.equal(pc.divide(scaled, scale), chunk)
        if not pc.all(written, min_count=0).as_py():
            row = offset + pc.index(written, False).as_py()
            raise FeatureComputationError(
                f"column '{column}' has the value {values[row].as_py()!r} at row {row}, which "
                f"is not written with at most {places} decimal place(s) as the feature set's "
                f"decimals declare; fix the data, or the declaration decimals.{column}"
            )
        largest = max(largest, pc.max(pc.abs(scaled)).as_py() or 0.0)
        offset += len(chunk)
    if (largest + 1) * reach >= _EXACT_INTEGERS:
        raise FeatureComputationError(
            f"column '{column}' holds values up to {largest / scale!r}, too large for exact "
            f"sums at {places} decimal place(s) (they could pass 2**53 and lose digits); "
            f"remove decimals.{column} from the feature set (its sums will be added in order)"
        )


def _reject_nulls(table: pa.Table, column: str, role: str) -> None:
    values = table[column]
    if values.null_count:
        first = pc.index(pc.is_null(values), True).as_py()
        raise FeatureComputationError(
            f"{role} column '{column}' has {values.null_count} NULL value(s), first at row "
            f"{first}; drop or fill those rows before computing features"
        )


def _reject_duplicates(inputs: pa.Table, batch: pa.Table, feature_set: FeatureSet) -> None:
    flags = batch[DUPLICATE]
    if not pc.any(flags).as_py():
        return
    # Batches arrive in key order, so this batch holds the first duplicate; the count covers
    # the whole input.
    row = pc.index(flags, True).as_py()
    day = batch[feature_set.time_column][row].as_py()
    where = f"day {day}"
    keys = [feature_set.time_column]
    if feature_set.entity_column is not None:
        where = f"entity {batch[feature_set.entity_column][row].as_py()!r}, {where}"
        keys.insert(0, _CODE)
    count = inputs.num_rows - inputs.group_by(keys).aggregate([]).num_rows
    raise FeatureComputationError(
        f"{count} row(s) repeat an earlier (entity, {feature_set.time_column}) key, first "
        f"{where}; point-in-time features need one row per entity and day, so deduplicate "
        "the input first"
    )
