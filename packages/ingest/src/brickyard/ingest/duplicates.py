"""Duplicate keys: the first row of a key in source order is kept, later rows are rejected.

Candidates come from sorting the 32-bit key hashes of all rows; an exact comparison of the
typed keys then decides. Rows whose key is missing or invalid take no part (they are rejected
already). A later duplicate that had passed every other check was accepted with typed values
only, so its original text is recovered - from its line in a CSV file when that provably
matches, otherwise by reading the source again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brickyard.ingest.checks import ScanPlan, plan_scan
from brickyard.ingest.contracts import Contract
from brickyard.ingest.quarantine import CATEGORY_BITS, MalformedLine
from brickyard.ingest.scanning import Scanned, kept_rows, numbered
from brickyard.ingest.sources import OpenedSource, sql_name, unreadable

__all__ = ["drop_rows", "later_duplicates", "reject_duplicates"]

_LINES_VIEW = "_brickyard_lines"


def later_duplicates(
    con: duckdb.DuckDBPyConnection, scanned: Scanned, keys: Sequence[str]
) -> pa.Table:
    """``_ord`` and ``_first`` of every row whose key an earlier row already has."""
    empty = pa.table({"_ord": pa.array([], pa.int64()), "_first": pa.array([], pa.int64())})
    tables = (scanned.accepted_table(), scanned.rejected)
    hashes = [table.column("_h").drop_null().to_numpy() for table in tables if table.num_rows]
    if not hashes:
        return empty
    ordered = np.sort(np.concatenate(hashes))
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if repeated.size == 0:
        return empty
    # Equal hashes only nominate candidates; the exact key comparison below decides.
    nominated = pa.array(np.unique(repeated))
    candidates = pa.concat_tables(
        table.select(["_ord", *keys]).filter(pc.is_in(table.column("_h"), value_set=nominated))
        for table in tables
    )
    con.register("_brickyard_candidates", candidates)
    try:
        partition = ", ".join(sql_name(key) for key in keys)
        return con.sql(
            f"""
            SELECT _ord, _first FROM (
                SELECT _ord, min(_ord) OVER (PARTITION BY {partition}) AS _first
                FROM _brickyard_candidates
            ) WHERE _ord <> _first
            """
        ).to_arrow_table()
    finally:
        con.unregister("_brickyard_candidates")


def drop_rows(batches: list[pa.RecordBatch], ords: np.ndarray, schema: pa.Schema) -> pa.Table:
    """Remove the rows at the sorted positions `ords` from `batches`, in place; return them.

    Only batches holding such rows change: each is replaced by zero-copy slices around the
    removed rows, so dropping rows spread over a large table copies none of it.
    """
    filled = [index for index, batch in enumerate(batches) if batch.num_rows]
    if not filled or not ords.size:
        return pa.Table.from_batches([], schema)
    # Positions increase through the batches, so a row belongs to the last batch starting
    # at or before it.
    firsts = np.array([batches[index].column("_ord")[0].as_py() for index in filled])
    holders = np.searchsorted(firsts, ords, side="right") - 1
    dropped: list[pa.RecordBatch] = []
    replaced: dict[int, list[pa.RecordBatch]] = {}
    inside = holders >= 0
    if not inside.any():
        # Every row asked for comes before the first accepted one: none is held here.
        return pa.Table.from_batches([], schema)
    holder_ids, starts = np.unique(holders[inside], return_index=True)
    for holder, wanted in zip(holder_ids, np.split(ords[inside], starts[1:]), strict=True):
        index = filled[int(holder)]
        batch = batches[index]
        positions = batch.column("_ord").to_numpy()
        found = np.searchsorted(positions, wanted).clip(max=positions.size - 1)
        found = found[positions[found] == wanted]
        if found.size:
            held = np.zeros(positions.size, dtype=bool)
            held[found] = True
            dropped.append(batch.take(pa.array(found)))
            replaced[index] = kept_rows(batch, held)
    if replaced:
        batches[:] = [
            part for index, batch in enumerate(batches) for part in replaced.get(index, [batch])
        ]
    return pa.Table.from_batches(dropped, schema)


def _texts_from_lines(
    con: duckdb.DuckDBPyConnection,
    opened: OpenedSource,
    contract: Contract,
    rows: pa.Table,
    malformed: list[MalformedLine],
) -> pa.Table | None:
    """The original text of accepted CSV `rows`, cut straight from their lines, if provable.

    Reading a few lines is far cheaper than scanning the file again, but a line number can
    be off (blank lines, values spanning lines). So the text is only used when converting it
    again gives exactly the values the scan accepted on that line; otherwise None.
    """
    names = list(contract.column_names)
    lines = opened.line_numbers(rows.column("_ord").to_numpy(), malformed)
    fields = opened.csv_fields(lines, names)
    if fields is None:
        return None
    texts = pa.table(
        {name: pa.array([row[i] for row in fields], pa.string()) for i, name in enumerate(names)}
    )
    retyped = OpenedSource(
        label=opened.label,
        format=opened.format,
        relation=f"SELECT * FROM {_LINES_VIEW}",
        types=dict.fromkeys(names, "VARCHAR"),
    )
    con.register(_LINES_VIEW, texts)
    try:
        converted = con.sql(plan_scan(retyped, contract, None).scan).to_arrow_table()
    finally:
        con.unregister(_LINES_VIEW)
    if not converted.select(names).equals(rows.select(names)):
        return None
    raw_names = [f"_r{i}" for i in range(len(names))]
    return texts.rename_columns(raw_names).add_column(0, "_ord", rows.column("_ord"))


def _rescan_text(
    con: duckdb.DuckDBPyConnection, opened: OpenedSource, plan: ScanPlan, ords: pa.Array
) -> pa.Table:
    """The original text of the rows at positions `ords`, read again from the source."""
    columns = ", ".join(
        f"{text} AS {raw}" for text, raw in zip(plan.texts, plan.raw_names, strict=True)
    )
    query = f"SELECT {columns} FROM ({plan.renamed})"
    try:
        schema, batches = numbered(con, query)
        wanted = [batch.filter(pc.is_in(batch.column("_ord"), value_set=ords)) for batch in batches]
    except duckdb.Error as error:
        raise unreadable(opened.label, opened.format, error) from None
    return pa.Table.from_batches(wanted, schema).select(["_ord", *plan.raw_names])


def _duplicate_reasons(
    table: pa.Table, keys: Sequence[str], names: Sequence[str], first_lines: pa.Array
) -> pa.Array:
    """``duplicate key k1='v1', k2='v2' (first occurrence at line N)`` for each row."""
    pieces: list[Any] = ["duplicate key "]
    for position, key in enumerate(keys):
        raw = table.column(f"_r{names.index(key)}")
        pieces += [("" if position == 0 else ", ") + f"{key}='", raw, "'"]
    pieces += [" (first occurrence at line ", pc.cast(first_lines, pa.string()), ")"]
    return pc.binary_join_element_wise(*pieces, "")


def _add_duplicate_reasons(
    rejected: pa.Table, first_lines: pa.Table, keys: Sequence[str], names: Sequence[str]
) -> pa.Table:
    """Append the duplicate-key reason to rejected rows that also repeat an earlier key."""
    is_duplicate = pc.is_in(rejected.column("_ord"), value_set=first_lines.column("_ord"))
    if not pc.any(is_duplicate).as_py():
        return rejected
    duplicates = rejected.filter(is_duplicate).join(first_lines, "_ord")
    reasons = _duplicate_reasons(duplicates, keys, names, duplicates.column("_first_line"))
    duplicates = duplicates.set_column(
        duplicates.schema.get_field_index("_reason"),
        "_reason",
        pc.binary_join_element_wise(duplicates.column("_reason"), reasons, "; "),
    ).set_column(
        duplicates.schema.get_field_index("_fails"),
        "_fails",
        pc.bit_wise_or(
            duplicates.column("_fails"), pa.scalar(CATEGORY_BITS["duplicate_key"], pa.int32())
        ),
    )
    return pa.concat_tables(
        [rejected.filter(pc.invert(is_duplicate)), duplicates.drop_columns(["_first_line"])]
    )


def reject_duplicates(
    con: duckdb.DuckDBPyConnection,
    opened: OpenedSource,
    plan: ScanPlan,
    contract: Contract,
    scanned: Scanned,
    malformed: list[MalformedLine],
) -> tuple[pa.Table, list[pa.Table]]:
    """Reject every later row of a repeated key.

    Accepted duplicates leave `scanned.accepted`; returns the rejected table with duplicate
    reasons added and the rejects made of formerly accepted rows.
    """
    later = later_duplicates(con, scanned, contract.keys)
    if not later.num_rows:
        return scanned.rejected, []
    first_lines = pa.table(
        {
            "_ord": later.column("_ord"),
            "_first_line": opened.line_numbers(later.column("_first").to_numpy(), malformed),
        }
    )
    moved_rows = drop_rows(
        scanned.accepted, np.sort(later.column("_ord").to_numpy()), scanned.accepted_schema
    )
    rejected = _add_duplicate_reasons(scanned.rejected, first_lines, contract.keys, plan.names)
    if not moved_rows.num_rows:
        return rejected, []
    # Accepted rows kept only their typed values, so their original text is read again.
    texts = _texts_from_lines(con, opened, contract, moved_rows, malformed)
    if texts is None:
        texts = _rescan_text(con, opened, plan, moved_rows.column("_ord").combine_chunks())
    texts = texts.join(first_lines, "_ord")
    reasons = _duplicate_reasons(texts, contract.keys, plan.names, texts.column("_first_line"))
    moved = texts.append_column("_reason", reasons).append_column(
        "_fails", pa.array(np.full(texts.num_rows, CATEGORY_BITS["duplicate_key"], np.int32))
    )
    return rejected, [moved]
