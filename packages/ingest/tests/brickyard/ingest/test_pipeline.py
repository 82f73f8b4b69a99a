from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from brickyard.ingest import Contract, ingest, read_source
from brickyard.ingest.samples import seattle_weather_path


def test_ingest_reads_validates_and_writes(tmp_path: Path, seattle_contract: Contract) -> None:
    with seattle_weather_path() as path:
        result = ingest(path, seattle_contract, tmp_path)

    assert (result.accepted_count, result.rejected_count) == (1461, 0)
    assert pq.read_table(tmp_path / "seattle_weather.parquet").equals(result.accepted)
    report = json.loads((tmp_path / "seattle_weather.ingest.json").read_text())
    assert (report["read"], report["accepted"], report["rejected"]) == (1461, 1461, 0)
    assert len((tmp_path / "seattle_weather.rejects.csv").read_text().splitlines()) == 1


def test_contract_may_be_given_as_a_path(tmp_path: Path, contracts_dir: Path) -> None:
    with seattle_weather_path() as path:
        by_path = read_source(path, contracts_dir / "seattle_weather.toml")
        written = ingest(
            str(path), str(contracts_dir / "seattle_weather.toml"), tmp_path, dataset_name="days"
        )

    assert by_path.contract.name == "seattle_weather"
    assert by_path.accepted.equals(written.accepted)
    assert (tmp_path / "days.parquet").exists()


def test_same_input_gives_byte_identical_outputs(
    tmp_path: Path, seattle_contract: Contract
) -> None:
    with seattle_weather_path() as path:
        ingest(path, seattle_contract, tmp_path / "a")
        ingest(path, seattle_contract, tmp_path / "b")

    for name in (
        "seattle_weather.parquet",
        "seattle_weather.rejects.csv",
        "seattle_weather.ingest.json",
    ):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
