"""Shared fixtures: the repository's weather contracts and small file writers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from brickyard.ingest import Contract, load_contract


def _contracts_dir() -> Path:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared-config" / "contracts"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("shared-config/contracts not found above the ingest tests")


HEADER = "date,precipitation,temp_max,temp_min,wind,weather\n"


@pytest.fixture
def contracts_dir() -> Path:
    """The repository's shared-config/contracts directory."""
    return _contracts_dir()


@pytest.fixture
def seattle_contract(contracts_dir: Path) -> Contract:
    return load_contract(contracts_dir / "seattle_weather.toml")


@pytest.fixture
def synthetic_contract(contracts_dir: Path) -> Contract:
    return load_contract(contracts_dir / "synthetic_weather.toml")


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write text or bytes to tmp_path/<name> and return the path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture
def weather_csv(write_file: Callable[[str, str | bytes], Path]) -> Callable[[str], Path]:
    """Write a Seattle-shaped CSV: the header plus the given data lines."""

    def write(rows: str) -> Path:
        return write_file("weather.csv", HEADER + rows)

    return write
