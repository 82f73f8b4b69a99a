import subprocess
import sys
from pathlib import Path

import pytest

from brickyard_monorepo.errors import GenerateError
from brickyard_monorepo.writer import generate, generated_test_files

PANTS_TOML = """
[GLOBAL]
pants_version = "2.17.1"
[python]
interpreter_constraints = ["CPython==3.11.*"]
pip_version = "23.1.2"
[subprocess-environment]
env_vars = ["PIP_CONFIG_FILE=/dev/null"]
[test]
extra_env_vars = ["PIP_CONFIG_FILE=/dev/null"]
[pytest]
args = ["--no-header"]
"""


@pytest.fixture
def source_repo(tmp_path: Path) -> Path:
    """The few files of Brickyard the generator copies."""
    repo = tmp_path / "brickyard"
    (repo / "tools/bootstrap").mkdir(parents=True)
    (repo / "pants").write_text("#!/usr/bin/env bash\n")
    (repo / "pants.toml").write_text(PANTS_TOML)
    (repo / "tools/bootstrap/pants-requirements.txt").write_text("pantsbuild.pants==2.17.1 \\\n")
    return repo


def test_generated_libraries_pass_their_tests(tmp_path: Path, source_repo: Path) -> None:
    target = tmp_path / "mono"
    graph = generate(target, 12, source_repo, git=False)
    assert (target / "pants").read_text() == "#!/usr/bin/env bash\n"
    assert 'pants_version = "2.17.1"' in (target / "pants.toml").read_text()
    assert "pytest" in (target / "lockfiles/python-default.lock").read_text()
    files = generated_test_files(target, graph)
    pythonpath = ":".join(str(p) for p in sorted((target / "libs").glob("*/src")))
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *map(str, files)],
        cwd=target,
        env={"PYTHONPATH": pythonpath},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "36 passed" in completed.stdout


def test_a_non_empty_directory_is_refused(tmp_path: Path, source_repo: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(GenerateError, match="exists and is not empty"):
        generate(target, 3, source_repo, git=False)


def test_zero_libraries_are_refused(tmp_path: Path, source_repo: Path) -> None:
    with pytest.raises(GenerateError, match="at least 1"):
        generate(tmp_path / "none", 0, source_repo, git=False)


def test_a_source_repo_without_the_launcher_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GenerateError, match="has no pants"):
        generate(tmp_path / "mono", 3, tmp_path, git=False)
