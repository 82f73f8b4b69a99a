"""The `ingest` command: check a file against its contract, or load it as the jobs do.

    ingest check SOURCE --contract C            validate only, write nothing: print the counts
                                                by reason and the first rejected rows
    ingest load SOURCE --contract C --out DIR   write DIR/<dataset>.parquet, .rejects.csv and
                                                .ingest.json, as a job's ingest step does

SOURCE is a CSV, Parquet or JSON Lines file, or `sample:seattle_weather`, the sample shipped
inside brickyard-ingest (the jobs' `sample:` sources). Exit codes: 0 done (`check`: every
row passed); 65 rows were rejected (`check`) or the source is unusable; 66 an input does
not exist; 78 the contract is invalid; 73/74 an output could not be written. Built as
`dist/ingest/ingest.pex`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from brickyard.core import (
    CommandError,
    CommandParser,
    ExitCode,
    configure_logging,
    exits_with,
    progress,
    require_input,
    run_command,
)
from brickyard.ingest import (
    REJECT_CATEGORIES,
    Contract,
    ContractError,
    IngestError,
    IngestResult,
    ingest,
    ingest_incremental,
    load_contract,
    read_source,
    seattle_weather_path,
)

__all__ = ["main"]

log = logging.getLogger("brickyard.ingest")

SAMPLE_PREFIX = "sample:"
SAMPLES: dict[str, Callable[[], AbstractContextManager[Path]]] = {
    "seattle_weather": seattle_weather_path
}
# The state file of incremental loads, named as the jobs name it in <output>/ingest/.
WATERMARKS_FILE = "watermarks.json"
# Rejected rows `check` prints; `load` writes every one to the rejects file.
SHOWN_REJECTS = 10


def parser() -> CommandParser:
    parser = CommandParser(
        prog="ingest",
        description="Check a dataset against its contract, or load it as the jobs do.",
    )
    commands = parser.add_commands()
    source_help = (
        "a .csv, .parquet, .jsonl or .ndjson file, or sample:NAME for data shipped with "
        f"brickyard-ingest ({', '.join(SAMPLES)})"
    )
    check = commands.add_parser(
        "check",
        help="validate SOURCE, write nothing; exit 0 if every row passes, 65 if not",
        description="Validate every row of SOURCE against the contract and print how many "
        "were rejected, by reason, with the first rejected rows. Writes nothing. Exit 0 when "
        "every row passes, 65 when rows were rejected or the file is unusable.",
    )
    load = commands.add_parser(
        "load",
        help="validate SOURCE and write its accepted rows, rejects and report to DIR",
        description="Validate SOURCE and write DIR/NAME.parquet (accepted rows), "
        "DIR/NAME.rejects.csv (rejected rows and why) and DIR/NAME.ingest.json (counts), "
        "replaced together. With a contract that has a watermark the load is incremental, "
        f"as the jobs' is: DIR/{WATERMARKS_FILE} remembers how far SOURCE was read, and the "
        "next load adds only newer rows (delete it to reload everything).",
    )
    for command in (check, load):
        command.add_argument("source", metavar="SOURCE", help=source_help)
        command.add_argument("--contract", type=Path, required=True, help="the contract TOML file")
    load.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    load.add_argument("--name", help="dataset name of the output files (default: the contract's)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging(args.log_format or "text")
    commands: dict[str, Callable[[argparse.Namespace], None]] = {"check": check, "load": load}
    return run_command(f"ingest {args.command}", lambda: commands[args.command](args), log)


def check(args: argparse.Namespace) -> None:
    contract = _contract(args.contract)
    with (
        _source(args.source) as path,
        progress(log, f"checking {args.source}"),
        exits_with(ExitCode.DATA, IngestError),
    ):
        result = read_source(path, contract)
    print(_check_report(args.source, result))
    log.info(
        "%s: %d rows read, %d accepted, %d rejected",
        args.source,
        result.read_count,
        result.accepted_count,
        result.rejected_count,
        extra=result.summary(),
    )
    if result.rejected_count:
        raise CommandError(
            f"{result.rejected_count} of {result.read_count} rows of {args.source} failed "
            f"contract {contract.name!r}",
            ExitCode.DATA,
        )


def load(args: argparse.Namespace) -> None:
    contract = _contract(args.contract)
    out: Path = args.out
    name = args.name or contract.name
    with (
        _source(args.source) as path,
        progress(log, f"loading {args.source} into {out}"),
        exits_with(ExitCode.DATA, IngestError),
    ):
        if contract.watermark is None:
            run = total = ingest(path, contract, out, dataset_name=name)
            since = "(full load: the contract has no watermark)"
        else:
            loaded = ingest_incremental(
                path, contract, out, out / WATERMARKS_FILE, dataset_name=name
            )
            run, total = loaded.run, loaded.total
            since = (
                "(full load)"
                if loaded.watermark_before is None
                else f"since {contract.watermark} {loaded.watermark_before}"
            )
    log.info(
        "read %d rows %s: %d accepted, %d rejected; %s now holds %d accepted rows of %s, "
        "%d rejected",
        run.read_count,
        since,
        run.accepted_count,
        run.rejected_count,
        out,
        total.accepted_count,
        name,
        total.rejected_count,
        extra={
            "read": run.read_count,
            "accepted": run.accepted_count,
            "rejected": run.rejected_count,
            "total_accepted": total.accepted_count,
            "total_rejected": total.rejected_count,
        },
    )


def _contract(path: Path) -> Contract:
    with exits_with(ExitCode.CONFIG, ContractError):
        return load_contract(require_input(path, "the contract"))


@contextmanager
def _source(source: str) -> Iterator[Path]:
    """The file to read: `source` itself, or a sample shipped with brickyard-ingest."""
    if not source.startswith(SAMPLE_PREFIX):
        yield require_input(Path(source), "the source")
        return
    sample = SAMPLES.get(source.removeprefix(SAMPLE_PREFIX))
    if sample is None:
        raise CommandError(
            f"unknown sample {source!r}; the samples are "
            f"{', '.join(SAMPLE_PREFIX + name for name in SAMPLES)}",
            ExitCode.USAGE,
        )
    with sample() as path:
        yield path


def _check_report(source: str, result: IngestResult) -> str:
    lines = [
        f"{source}: {result.read_count} rows read, {result.accepted_count} accepted, "
        f"{result.rejected_count} rejected (contract {result.contract.name})"
    ]
    if result.rejected_count:
        width = max(len(category) for category in REJECT_CATEGORIES)
        lines.append("rejected rows by reason (a row may fail several):")
        lines.extend(
            f"  {category:<{width}}  {result.reject_counts[category]}"
            for category in REJECT_CATEGORIES
            if result.reject_counts.get(category)
        )
        shown = result.rejected.slice(0, SHOWN_REJECTS).to_pylist()
        lines.append(f"first {len(shown)} rejected rows:" if len(shown) > 1 else "rejected row:")
        lines.extend(f"  line {row['_line']}: {row['_reason']}" for row in shown)
        if result.rejected_count > len(shown):
            lines.append(
                f"  ... and {result.rejected_count - len(shown)} more "
                "(`ingest load` writes them all to the rejects file)"
            )
    return "\n".join(lines)
