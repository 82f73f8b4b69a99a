"""Sample data shipped inside the package, for examples, tests and demos.

The Seattle daily weather data are public-domain NOAA observations as packaged by the
``vega_datasets`` project (MIT licence, version 0.9.0), copied unchanged; see
``samples/PROVENANCE.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import as_file, files
from pathlib import Path

__all__ = [
    "SEATTLE_WEATHER_ROWS",
    "seattle_weather_path",
]

#: Data rows in the Seattle sample (2012-01-01 to 2015-12-31, one per day).
SEATTLE_WEATHER_ROWS = 1461


@contextmanager
def seattle_weather_path() -> Iterator[Path]:
    """A real filesystem path to the Seattle weather CSV, valid inside the ``with`` block.

    Works from a zipped or packaged install too: the file is then extracted to a temporary
    location that is removed when the block ends.
    """
    resource = files("brickyard.ingest") / "samples" / "seattle_weather.csv"
    with as_file(resource) as path:
        yield path
