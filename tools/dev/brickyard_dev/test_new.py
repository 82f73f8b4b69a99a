import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import brickyard.core
from brickyard_dev.cli import main
from brickyard_dev.conftest import fake_pants
from brickyard_dev.errors import DevError
from brickyard_dev.new import NewLibrary, check_name, create, insert_layer, layering_call
from brickyard_dev.workspace import Workspace

EXPECTED = {
    "packages/alerts/README.md",
    "packages/alerts/CHANGELOG.md",
    "packages/alerts/src/brickyard/alerts/BUILD",
    "packages/alerts/src/brickyard/alerts/__init__.py",
    "packages/alerts/src/brickyard/alerts/errors.py",
    "packages/alerts/src/brickyard/alerts/thresholds.py",
    "packages/alerts/src/brickyard/alerts/cli.py",
    "packages/alerts/src/brickyard/alerts/py.typed",
    "packages/alerts/tests/brickyard/alerts/BUILD",
    "packages/alerts/tests/brickyard/alerts/test_thresholds.py",
    "packages/alerts/tests/brickyard/alerts/test_cli.py",
}


@pytest.fixture
def repo(scratch_workspace: Path) -> Path:
    return scratch_workspace


def _workspace(repo: Path) -> Workspace:
    return Workspace.at(repo, fake_pants({}))


def _new(repo: Path) -> list[str]:
    library = NewLibrary("alerts", "Threshold alerts on forecast errors.", module="thresholds")
    return create(_workspace(repo), library, after="models")


def test_the_new_library_has_the_house_shape(repo: Path) -> None:
    written = _new(repo)
    assert set(written) == EXPECTED | {"BUILD"}
    files = {str(p.relative_to(repo)) for p in (repo / "packages/alerts").rglob("*") if p.is_file()}
    assert files == EXPECTED
    build = (repo / "packages/alerts/src/brickyard/alerts/BUILD").read_text()
    assert build.startswith("# alerts: threshold alerts on forecast errors.\nbrickyard_library(\n")
    assert 'description="Threshold alerts on forecast errors."' in build
    assert 'command="brickyard.alerts.cli:main",' in build
    tests_build = (repo / "packages/alerts/tests/brickyard/alerts/BUILD").read_text()
    assert tests_build.endswith("brickyard_tests(conftest=False)\n")
    assert "# brickyard-alerts" in (repo / "packages/alerts/README.md").read_text()
    errors = (repo / "packages/alerts/src/brickyard/alerts/errors.py").read_text()
    assert "from brickyard.core import BrickyardError\n\n\nclass AlertsError(BrickyardError):" in (
        errors
    )
    changelog = (repo / "packages/alerts/CHANGELOG.md").read_text()
    assert "`./pants run tools/dev -- release --apply`" in changelog
    assert _workspace(repo).layering.layers == (
        "core",
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
    # The library stands on brickyard.core, importable here as in the repository.
    core_src = Path(brickyard.core.__file__).parents[2]
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(library / "tests")],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(library / "src"), str(core_src)])},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # The example module's three tests and its command's three.
    assert "6 passed" in completed.stdout


@pytest.mark.parametrize("module", ["core", "thresholds"])
def test_the_generated_code_passes_the_repo_ruff_lint_and_format(repo: Path, module: str) -> None:
    create(_workspace(repo), NewLibrary("alerts", "Alerts.", module=module))
    config = Path("shared-config/python/ruff.toml").resolve()
    for command in (["check"], ["format", "--check"]):
        completed = subprocess.run(
            ["./ruff.pex", *command, "--config", str(config), str(repo / "packages/alerts")],
            capture_output=True,
            text=True,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_same_name_again_is_refused_and_changes_nothing(repo: Path) -> None:
    _new(repo)
    before = (repo / "BUILD").read_text()
    with pytest.raises(DevError, match="library 'alerts' exists already"):
        _new(repo)
    assert (repo / "BUILD").read_text() == before


def test_the_cli_reports_a_refusal_on_stderr_with_exit_code_1(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--root", str(repo), "new", "jobs", "--description", "Again."])
    assert code == 1
    assert capsys.readouterr().err == (
        "dev new: error: library 'jobs' exists already (packages/jobs/, distribution "
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
        ("cli", "A.", "cannot be called 'cli': the library has cli.py already"),
        ("Bad", "A.", "invalid module name 'Bad'"),
        ("core", 'Say "hi".', "cannot contain double quotes"),
        ("core", "  ", "the description is empty"),
    ],
)
def test_bad_modules_and_descriptions_are_refused(
    repo: Path, module: str, description: str, message: str
) -> None:
    with pytest.raises(DevError, match=message):
        create(_workspace(repo), NewLibrary("alerts", description, module=module))
    assert not (repo / "packages/alerts").exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Alerts", "invalid library name 'Alerts': use lowercase letters"),
        ("my-lib", "invalid library name 'my-lib'"),
        ("2fast", "invalid library name '2fast'"),
        ("_private", "invalid library name '_private'"),
        ("", "invalid library name ''"),
        ("class", "it is a Python keyword"),
        ("match", "it is a Python keyword"),
        (
            "features",
            "library 'features' exists already (packages/features/, distribution brickyard-features)",
        ),
        ("dev", "'dev' is taken by tools/dev/"),
    ],
)
def test_names_that_cannot_be_libraries_are_refused(repo: Path, name: str, message: str) -> None:
    with pytest.raises(DevError) as error:
        check_name(_workspace(repo), name)
    assert message in str(error.value)


def test_a_layer_without_a_library_is_refused(repo: Path) -> None:
    (repo / "BUILD").write_text('brickyard_layering(layers=["core", "ghost"])\n')
    with pytest.raises(DevError, match="'ghost' is a layer in BUILD already"):
        check_name(_workspace(repo), "ghost")


def test_an_unknown_layer_is_refused_with_the_known_ones(repo: Path) -> None:
    with pytest.raises(DevError) as error:
        insert_layer(_workspace(repo), "alerts", after="feature", before=None)
    assert str(error.value) == (
        "unknown layer 'feature'; the layers in BUILD, lowest first, are: "
        "core, ingest, features, models, reporting, jobs"
    )


def test_layers_go_after_before_or_on_top_but_never_below_core(repo: Path) -> None:
    workspace = _workspace(repo)
    assert insert_layer(workspace, "x", after="features", before=None)[2:4] == ("features", "x")
    assert insert_layer(workspace, "x", after=None, before="ingest")[:2] == ("core", "x")
    assert insert_layer(workspace, "x", after=None, before=None)[-1] == "x"
    with pytest.raises(DevError, match="cannot go below 'core': its errors derive from"):
        insert_layer(workspace, "x", after=None, before="core")


def test_the_layering_call_is_rewritten_as_black_formats_it(repo: Path) -> None:
    _new(repo)
    assert (repo / "BUILD").read_text() == (
        "# Layering of the lego libraries, lowest first.\n"
        "brickyard_layering(\n"
        '    layers=["core", "ingest", "features", "models", "alerts", "reporting", "jobs"]\n'
        ")\n"
    )


def test_a_call_that_fits_stays_on_one_line_else_the_list_moves_to_its_own() -> None:
    assert layering_call("x_layering", ("a", "b")) == 'x_layering(layers=["a", "b"])'
    layers = ("ingest", "features", "alerts", "models", "reporting", "jobs", "extra")
    assert layering_call("x_layering", layers).splitlines() == [
        "x_layering(",
        '    layers=["ingest", "features", "alerts", "models", "reporting", "jobs", "extra"]',
        ")",
    ]


def test_long_layer_lists_are_exploded_one_per_line() -> None:
    layers = tuple(f"library_{i:02d}" for i in range(8))
    text = layering_call("brickyard_layering", layers)
    assert text.splitlines()[:3] == ["brickyard_layering(", "    layers=[", '        "library_00",']
    assert all(len(line) <= 88 for line in text.splitlines())
