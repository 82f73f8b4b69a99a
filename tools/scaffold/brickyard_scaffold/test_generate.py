import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from brickyard_scaffold.cli import main
from brickyard_scaffold.errors import ScaffoldError
from brickyard_scaffold.generate import NewLibrary, create
from brickyard_scaffold.workspace import load_workspace

EXPECTED = {
    "packages/alerts/README.md",
    "packages/alerts/CHANGELOG.md",
    "packages/alerts/src/brickyard/alerts/BUILD",
    "packages/alerts/src/brickyard/alerts/__init__.py",
    "packages/alerts/src/brickyard/alerts/errors.py",
    "packages/alerts/src/brickyard/alerts/thresholds.py",
    "packages/alerts/src/brickyard/alerts/py.typed",
    "packages/alerts/tests/brickyard/alerts/BUILD",
    "packages/alerts/tests/brickyard/alerts/test_thresholds.py",
}


def _new(repo: Path) -> list[str]:
    library = NewLibrary("alerts", "Threshold alerts on forecast errors.", module="thresholds")
    return create(load_workspace(repo), library, after="models")


def test_the_new_library_has_the_house_shape(repo: Path) -> None:
    written = _new(repo)
    assert set(written) == EXPECTED | {"BUILD"}
    files = {str(p.relative_to(repo)) for p in (repo / "packages/alerts").rglob("*") if p.is_file()}
    assert files == EXPECTED
    build = (repo / "packages/alerts/src/brickyard/alerts/BUILD").read_text()
    assert build.startswith("# alerts: threshold alerts on forecast errors.\nbrickyard_library(\n")
    assert 'description="Threshold alerts on forecast errors."' in build
    assert (
        (repo / "packages/alerts/tests/brickyard/alerts/BUILD")
        .read_text()
        .endswith("brickyard_tests()\n")
    )
    assert "# brickyard-alerts" in (repo / "packages/alerts/README.md").read_text()
    assert load_workspace(repo).layering.layers == (
        "ingest",
        "features",
        "models",
        "alerts",
        "reporting",
        "jobs",
    )
    for path in EXPECTED:
        if path.endswith((".py", "BUILD")):
            ast.parse((repo / path).read_text(), filename=path)


def test_the_new_library_tests_pass(repo: Path) -> None:
    _new(repo)
    library = repo / "packages/alerts"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(library / "tests")],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": f"{library / 'src'}"},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "3 passed" in completed.stdout


@pytest.mark.parametrize("module", ["core", "thresholds"])
def test_the_generated_code_passes_the_repo_ruff_lint_and_format(repo: Path, module: str) -> None:
    create(load_workspace(repo), NewLibrary("alerts", "Alerts.", module=module))
    config = Path("shared-config/python/ruff.toml").resolve()
    for command in (["check"], ["format", "--check"]):
        completed = subprocess.run(
            ["./ruff.pex", *command, "--config", str(config), str(repo / "packages/alerts")],
            capture_output=True,
            text=True,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr


def test_scaffolding_the_same_name_again_is_refused_and_changes_nothing(repo: Path) -> None:
    _new(repo)
    before = (repo / "BUILD").read_text()
    with pytest.raises(ScaffoldError, match="library 'alerts' exists already"):
        _new(repo)
    assert (repo / "BUILD").read_text() == before


def test_the_cli_reports_a_refusal_on_stderr_with_exit_code_1(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--root", str(repo), "new", "jobs", "--description", "Again."])
    assert code == 1
    assert capsys.readouterr().err == (
        "scaffold: error: library 'jobs' exists already (packages/jobs/, distribution "
        "brickyard-jobs); choose another name\n"
    )
    assert not (repo / "packages/jobs/README.md").exists()


def test_an_unknown_layer_writes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--root", str(repo), "new", "alerts", "--description", "A.", "--after", "nope"])
    assert code == 1
    assert "unknown layer 'nope'" in capsys.readouterr().err
    assert not (repo / "packages/alerts").exists()


@pytest.mark.parametrize(
    ("module", "description", "message"),
    [
        ("errors", "A.", "cannot be called 'errors'"),
        ("Bad", "A.", "invalid module name 'Bad'"),
        ("core", 'Say "hi".', "cannot contain double quotes"),
        ("core", "  ", "the description is empty"),
    ],
)
def test_bad_modules_and_descriptions_are_refused(
    repo: Path, module: str, description: str, message: str
) -> None:
    with pytest.raises(ScaffoldError, match=message):
        create(load_workspace(repo), NewLibrary("alerts", description, module=module))
    assert not (repo / "packages/alerts").exists()
