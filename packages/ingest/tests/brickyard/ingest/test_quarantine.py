from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from brickyard.ingest import REJECT_CATEGORIES, Contract, IngestError, IngestResult
from brickyard.ingest.quarantine import (
    CATEGORY_BITS,
    MalformedLine,
    assemble_rejects,
    category_counts,
    malformed_rejects,
    rejects_schema,
)


def _result(contract: Contract, read_count: int, accepted_rows: int) -> IngestResult:
    row = {
        "date": date(2012, 1, 1),
        "precipitation": 0.0,
        "temp_max": 0.0,
        "temp_min": 0.0,
        "wind": 0.0,
        "weather": "sun",
    }
    accepted = pa.Table.from_pylist([row] * accepted_rows, schema=contract.arrow_schema())
    rejected = malformed_rejects([MalformedLine(2, "malformed line (x)")], contract, "f.csv")
    return IngestResult(
        contract=contract,
        source="f.csv",
        format="csv",
        accepted=accepted,
        rejected=rejected.drop_columns(["_fails"]),
        read_count=read_count,
        reject_counts={"malformed": 1},
    )


def test_counts_must_reconcile(seattle_contract: Contract) -> None:
    result = _result(seattle_contract, read_count=3, accepted_rows=2)
    assert (result.accepted_count, result.rejected_count) == (2, 1)

    with pytest.raises(IngestError, match="counts do not reconcile: read 4 rows but accepted 2"):
        _result(seattle_contract, read_count=4, accepted_rows=2)


def test_summary_lists_every_category(seattle_contract: Contract) -> None:
    summary = _result(seattle_contract, read_count=3, accepted_rows=2).summary()

    assert summary["read"] == 3
    assert summary["accepted"] == 2
    assert summary["rejected"] == 1
    assert list(summary["rejected_by_reason"]) == list(REJECT_CATEGORIES)
    assert summary["rejected_by_reason"]["malformed"] == 1
    assert summary["rejected_by_reason"]["type"] == 0


def test_rejects_schema_is_text_plus_bookkeeping(seattle_contract: Contract) -> None:
    schema = rejects_schema(seattle_contract)

    assert schema.names == [*seattle_contract.column_names, "_source", "_line", "_reason"]
    assert {schema.field(name).type for name in seattle_contract.column_names} == {pa.string()}
    assert schema.field("_line").type == pa.int64()


def test_assemble_orders_by_line_and_counts_each_category(seattle_contract: Contract) -> None:
    def part(line: int, fails: int) -> pa.Table:
        table = malformed_rejects([MalformedLine(line, f"reason {line}")], seattle_contract, "f")
        return table.set_column(
            table.schema.get_field_index("_fails"), "_fails", pa.array([fails], pa.int32())
        )

    both = CATEGORY_BITS["type"] | CATEGORY_BITS["range"]
    rejects, fails = assemble_rejects(
        [part(9, both), part(3, CATEGORY_BITS["type"]), part(5, CATEGORY_BITS["duplicate_key"])],
        seattle_contract,
    )

    assert rejects.column("_line").to_pylist() == [3, 5, 9]
    assert rejects.column("_reason").to_pylist() == ["reason 3", "reason 5", "reason 9"]
    assert rejects.schema == rejects_schema(seattle_contract)
    assert category_counts(fails) == {
        "type": 2,
        "null": 0,
        "range": 1,
        "allowed": 0,
        "duplicate_key": 1,
        "malformed": 0,
    }
