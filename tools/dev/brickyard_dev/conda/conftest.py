"""Fixtures: a scratch copy of the files the verb reads and writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from brickyard_dev.conda import LOCKFILE, PANTS_LOCK, RECORDS, SPEC


@pytest.fixture
def scratch_root(repo_root: Path, tmp_path: Path) -> Path:
    """A copy of conda-lock.yml, the spec, the records and the Pants lockfile, to change freely."""
    (tmp_path / "pants.toml").write_text("")
    for name in (LOCKFILE, PANTS_LOCK, SPEC, RECORDS):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(repo_root / name, tmp_path / name)
    return tmp_path
