from pathlib import Path

import pytest

MACROS = """_NAMESPACE = "brickyard"


def brickyard_library(name, description, version, dependencies=()):
    pass
"""

ROOT_BUILD = """# Layering of the lego libraries, lowest first.
brickyard_layering(layers=["ingest", "features", "models", "reporting", "jobs"])
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A scratch repository laid out like this one: macros, layering, libraries, tools."""
    root = tmp_path / "repo"
    (root / "tools/pants-plugins").mkdir(parents=True)
    (root / "tools/pants-plugins/macros.py").write_text(MACROS)
    (root / "tools/release").mkdir()
    (root / "BUILD").write_text(ROOT_BUILD)
    for library in ("ingest", "features", "models", "reporting", "jobs"):
        (root / "packages" / library).mkdir(parents=True)
    return root
