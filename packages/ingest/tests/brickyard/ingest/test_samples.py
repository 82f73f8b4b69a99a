from __future__ import annotations

import hashlib
from importlib.resources import files

from brickyard.ingest import seattle_weather_path
from brickyard.ingest.samples import SEATTLE_WEATHER_ROWS

VEGA_DATASETS_SHA256 = "62f0609f787158128aa2bd102967173a4953122dd4f872bf1d502cae1037df0b"


def test_sample_is_a_real_file_with_the_seattle_rows() -> None:
    with seattle_weather_path() as path:
        assert path.is_file()
        lines = path.read_text(encoding="utf-8").splitlines()

    assert lines[0] == "date,precipitation,temp_max,temp_min,wind,weather"
    assert len(lines) - 1 == SEATTLE_WEATHER_ROWS == 1461
    assert lines[1].startswith("2012/01/01,")
    assert lines[-1].startswith("2015/12/31,")


def test_sample_is_the_unchanged_vega_datasets_file() -> None:
    with seattle_weather_path() as path:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()

    assert digest == VEGA_DATASETS_SHA256


def test_provenance_ships_with_the_sample() -> None:
    provenance = (files("brickyard.ingest") / "samples" / "PROVENANCE.md").read_text("utf-8")

    assert "vega_datasets" in provenance
    assert "0.9.0" in provenance
    assert "MIT" in provenance
    assert "NOAA" in provenance
    assert VEGA_DATASETS_SHA256 in provenance
