import subprocess
from pathlib import Path

import pytest

FILES = {
    "tools/pants-plugins/macros.py": '_NAMESPACE = "brickyard"\n\n\ndef brickyard_library(name):\n    pass\n',
    "packages/ingest/src/brickyard/ingest/BUILD": 'brickyard_library(name="ingest")\n',
    "packages/ingest/src/brickyard/ingest/__init__.py": "from brickyard.ingest.readers import read\n",
    "packages/ingest/src/brickyard/ingest/readers.py": "def read():\n    return 'BRICKYARD__DB__URL'\n",
    "README.md": "# Brickyard\n\n`pip install brickyard-ingest` from `@brickyard-internal`.\n",
    "pants": "#!/usr/bin/env bash\ncache=${BRICKYARD_CACHE_DIR:-$HOME/.cache/brickyard}\n",
    "tools/release/brickyard_release/cli.py": "from brickyard_release.errors import E\n",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed scratch repository that spells the namespace every way this one does."""
    root = tmp_path / "repo"
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / "pants").chmod(0o755)
    (root / "logo.bin").write_bytes(b"\0brickyard\xff")
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "template")
    return root
