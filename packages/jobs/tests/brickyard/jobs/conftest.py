from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from brickyard.jobs.settings import default_config_dir


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A private copy of the repo's shared-config, safe to edit in a test."""
    copy = tmp_path / "shared-config"
    shutil.copytree(default_config_dir(), copy)
    return copy
