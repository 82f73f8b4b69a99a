"""Read raw datasets into contract-validated tables, quarantining the rows that fail.

A :class:`Contract` (a TOML file) declares a dataset's columns, types, rules and keys.
:func:`read_source` reads a CSV, Parquet or JSON Lines file, or a DuckDB SQL query, and checks
every row inside DuckDB; rows that fail are kept, with their original text and every reason,
in the result's ``rejected`` table - never dropped silently - and the counts always reconcile
(read = accepted + rejected). :func:`write_outputs` writes the result atomically,
:func:`ingest` does both, and :func:`ingest_incremental` loads only rows past a watermark.
"""

from typing import TYPE_CHECKING, Any

from brickyard.ingest.contracts import ColumnSpec, Contract, load_contract
from brickyard.ingest.errors import ContractError, IngestError
from brickyard.ingest.outputs import OutputPaths, write_outputs
from brickyard.ingest.pipeline import ingest, read_source
from brickyard.ingest.quarantine import REJECT_CATEGORIES, IngestResult
from brickyard.ingest.samples import seattle_weather_path
from brickyard.ingest.watermark import IncrementalResult, ingest_incremental, load_watermarks

if TYPE_CHECKING:
    from brickyard.ingest.synthetic import generate_weather

__all__ = [
    "REJECT_CATEGORIES",
    "ColumnSpec",
    "Contract",
    "ContractError",
    "IncrementalResult",
    "IngestError",
    "IngestResult",
    "OutputPaths",
    "generate_weather",
    "ingest",
    "ingest_incremental",
    "load_contract",
    "load_watermarks",
    "read_source",
    "seattle_weather_path",
    "write_outputs",
]


def __getattr__(name: str) -> Any:
    # The synthetic module also runs as `python -m brickyard.ingest.synthetic`; importing it
    # eagerly here would make runpy warn that it was imported before being run.
    if name == "generate_weather":
        from brickyard.ingest.synthetic import generate_weather

        return generate_weather
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
