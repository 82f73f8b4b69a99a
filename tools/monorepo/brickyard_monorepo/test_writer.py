import math
import subprocess
import sys
from pathlib import Path

import pytest

from brickyard_monorepo.cli import main
from brickyard_monorepo.errors import GenerateError
from brickyard_monorepo.graph import SyntheticLibrary
from brickyard_monorepo.writer import generate, generated_test_files, source_file

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


def _run_tests(target: Path, graph: list[SyntheticLibrary]) -> subprocess.CompletedProcess[str]:
    """Every generated test file in one plain pytest process, as the benchmark runs them."""
    files = generated_test_files(target, graph)
    pythonpath = ":".join(str(p) for p in sorted((target / "libs").glob("*/src")))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *map(str, files)],
        cwd=target,
        env={"PYTHONPATH": pythonpath},
        capture_output=True,
        text=True,
    )


def test_generated_libraries_pass_their_tests(tmp_path: Path, source_repo: Path) -> None:
    target = tmp_path / "mono"
    graph = generate(target, 12, source_repo, git=False)
    assert (target / "pants").read_text() == "#!/usr/bin/env bash\n"
    assert 'pants_version = "2.17.1"' in (target / "pants.toml").read_text()
    assert "pytest" in (target / "lockfiles/python-default.lock").read_text()
    # Without --test-seconds the libraries are what they always were: trivial tests only.
    assert not any("workload" in p.read_text() for p in (target / "libs").rglob("*.py"))
    completed = _run_tests(target, graph)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "36 passed" in completed.stdout


def test_the_workload_test_passes_and_catches_a_wrong_loop(
    tmp_path: Path, source_repo: Path
) -> None:
    target = tmp_path / "mono"
    graph = generate(target, 3, source_repo, git=False, test_seconds=0.05)
    completed = _run_tests(target, graph)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "12 passed" in completed.stdout

    # An off-by-one loop: the expected value came from the closed form, not from this code.
    module = target / source_file(graph[-1])
    text = module.read_text()
    assert "for i in range(n):" in text
    module.write_text(text.replace("for i in range(n):", "for i in range(n + 1):"))
    completed = _run_tests(target, graph)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "1 failed, 11 passed" in completed.stdout
    assert "test_workload_sums_every_term" in completed.stdout


def test_a_fixed_loop_length_is_used_as_given_and_its_tests_pass(
    tmp_path: Path, source_repo: Path
) -> None:
    # A benchmark calibrates once and gives every repository it generates the same work.
    target = tmp_path / "mono"
    graph = generate(target, 3, source_repo, git=False, test_seconds=1, test_iterations=12_345)
    tests = [(target / test).read_text() for test in generated_test_files(target, graph)]
    assert all("core.workload(12_345)" in text for text in tests)
    completed = _run_tests(target, graph)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "12 passed" in completed.stdout


@pytest.mark.parametrize(("seconds", "iterations"), [(1.0, 0), (0.0, 100)])
def test_a_loop_length_needs_test_seconds_and_at_least_one_iteration(
    tmp_path: Path, source_repo: Path, seconds: float, iterations: int
) -> None:
    with pytest.raises(GenerateError, match="--test-iterations must be at least 1"):
        generate(
            tmp_path / "mono",
            3,
            source_repo,
            git=False,
            test_seconds=seconds,
            test_iterations=iterations,
        )


@pytest.mark.parametrize("seconds", [-0.5, math.nan, math.inf])
def test_test_seconds_must_be_finite_and_not_negative(
    tmp_path: Path, source_repo: Path, seconds: float
) -> None:
    with pytest.raises(GenerateError, match="--test-seconds must be a finite number"):
        generate(tmp_path / "mono", 3, source_repo, git=False, test_seconds=seconds)
    assert not (tmp_path / "mono").exists()


def test_the_cli_refuses_negative_test_seconds_with_exit_code_1(
    tmp_path: Path, source_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", str(tmp_path / "mono"), "--libraries", "3", "--test-seconds=-1"]
    assert main([*argv, "--source-repo", str(source_repo), "--no-git"]) == 1
    assert "--test-seconds must be a finite number of seconds >= 0" in capsys.readouterr().err


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
