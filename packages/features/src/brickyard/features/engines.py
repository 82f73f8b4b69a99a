"""Where a feature computation runs: in-process DuckDB (the default) or Spark.

An engine loads an Arrow table under a name, compiles an Ibis expression to its SQL
dialect and runs it. What is computed is written once, as that expression
(`brickyard.features.expressions`). The Spark engine lives in `brickyard.features.spark`,
so that only code which asks for Spark needs pyspark and Java.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import ClassVar

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot.expressions as sge
from ibis.backends.sql.compilers import duckdb as duckdb_compiler

# Runs compiled SQL over the loaded table, restricted to the rows whose integer `column`
# lies in [first, last] when given (column, first, last).
RowRange = tuple[str, int, int]
RunSql = Callable[[str, RowRange | None], pa.Table]


def nullable(schema: pa.Schema) -> pa.Schema:
    """`schema` with every field nullable. Features hold NULLs (lags, windows, a forecast
    day's unknown target) whatever the input promises, and an engine that trusts a
    non-nullable field (Spark does) would refuse them."""
    return pa.schema([field.with_nullable(True) for field in schema])


class FeatureEngine(ABC):
    """Runs compiled feature queries over an Arrow table."""

    name: ClassVar[str]
    # Ibis' name for the SQL dialect the engine speaks.
    dialect: ClassVar[str]
    # Whether to compute a large input in ranges of entities: an in-process engine holds a
    # window's whole input in memory, a cluster engine spills and distributes it itself.
    computes_in_ranges: ClassVar[bool]

    def compile(self, expression: ir.Table) -> str:
        return str(ibis.to_sql(expression, dialect=self.dialect))

    @abstractmethod
    @contextlib.contextmanager
    def loaded(self, table: pa.Table, name: str) -> Iterator[RunSql]:
        """Make `table` queryable as `name` while the block runs; yield a SQL runner."""

    @abstractmethod
    def map_batches(
        self, table: pa.Table, function: Callable[[pa.Table], pa.Table], schema: pa.Schema
    ) -> pa.Table:
        """`function` applied to `table` batch by batch where the engine runs, in row order.

        `function` maps a table to one of the same length with columns `schema`; this is how
        Python code such as model scoring runs unchanged on every engine.
        """


class DuckDBEngine(FeatureEngine):
    """In-process DuckDB: no server, no JVM, fast on one machine.

    Pass `connection` to control DuckDB's threads and memory limit; it is left open.
    """

    name = "duckdb"
    dialect = "duckdb"
    computes_in_ranges = True

    def __init__(self, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        self.connection = connection

    def compile(self, expression: ir.Table) -> str:
        compiler = duckdb_compiler.compiler
        query = compiler.to_sqlglot(expression.unbind()).transform(_cheaper_duckdb_frames)
        return str(query.sql(dialect=compiler.dialect))

    def map_batches(
        self, table: pa.Table, function: Callable[[pa.Table], pa.Table], schema: pa.Schema
    ) -> pa.Table:
        # In this process already: one call over the whole table is the vectorised way.
        return function(table).select(schema.names).cast(schema)

    @contextlib.contextmanager
    def loaded(self, table: pa.Table, name: str) -> Iterator[RunSql]:
        con = self.connection if self.connection is not None else _connect_duckdb()
        everything = f"{name}_all"
        try:
            con.register(everything, table)  # a zero-copy view of the Arrow data

            def run(sql: str, rows: RowRange | None) -> pa.Table:
                # DuckDB pushes the range filter into its scan of the Arrow data.
                where = (
                    ""
                    if rows is None
                    else f" WHERE {_quote(rows[0])} BETWEEN {rows[1]} AND {rows[2]}"
                )
                con.execute(
                    f"CREATE OR REPLACE TEMP VIEW {_quote(name)} AS "
                    f"SELECT * FROM {_quote(everything)}{where}"
                )
                return con.sql(sql).to_arrow_table()

            try:
                yield run
            finally:
                con.execute(f"DROP VIEW IF EXISTS {_quote(name)}")
                con.unregister(everything)
        finally:
            if self.connection is None:
                con.close()


def _cheaper_duckdb_frames(node: sge.Expression) -> sge.Expression:
    """The same windows, in frames DuckDB evaluates faster.

    A frame ending one row (or day) before the current row is the frame ending at it with
    the current row excluded: the same rows, as days are unique per entity, but DuckDB
    computes frames ending at the current row far faster. LAG ignores frames, so the
    full-partition frame Ibis gives it only stops DuckDB sharing work between windows.
    """
    if not isinstance(node, sge.Window) or not isinstance(node.args.get("spec"), sge.WindowSpec):
        return node
    spec = node.args["spec"]
    if isinstance(node.this, sge.Lag):
        node = node.copy()
        node.set("spec", None)
        return node
    end = spec.args.get("end")
    if (
        str(spec.args.get("end_side")).upper() == "PRECEDING"
        and isinstance(end, sge.Literal)
        and end.this == "1"
        and not spec.args.get("exclude")
    ):
        node = node.copy()
        new_spec = node.args["spec"]
        new_spec.set("end", "CURRENT ROW")
        new_spec.set("end_side", None)
        new_spec.set("exclude", sge.Var(this="CURRENT ROW"))
    return node


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _connect_duckdb() -> duckdb.DuckDBPyConnection:
    # Rows are put in order after the query, so DuckDB need not keep any order; a library
    # must not draw DuckDB's progress bar on its caller's terminal.
    con = duckdb.connect(":memory:", config={"preserve_insertion_order": False})
    # Inside Jupyter, DuckDB refuses to change the setting unless ipywidgets is installed;
    # without it no bar is drawn there anyway.
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")
    return con
