"""`why`: the change and the dependency path behind each selected test, on real Pants data.

`testdata/peek_changed_reporting_html.json` is real `./pants --changed-since=HEAD
--changed-dependents=transitive peek` output (fields other than address, target_type,
sources and dependencies dropped) after a one-line edit of reporting's html.py; recapture
it the same way when the layout changes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from brickyard_dev.cli import main
from brickyard_dev.conftest import fake_pants, peek_output
from brickyard_dev.why import reasons

HTML = "packages/reporting/src/brickyard/reporting/html.py"
REPORTING_BUILD = "packages/reporting/src/brickyard/reporting/BUILD"
PEEK_ARGS = ("--changed-since=HEAD", "--changed-dependents=transitive", "peek")
GLOBAL_FILES = "# runs everything\n^lockfiles/\n^pants\\.toml$\n"


@pytest.fixture
def peek() -> list[dict[str, object]]:
    targets: list[dict[str, object]] = json.loads(peek_output("peek_changed_reporting_html"))
    return targets


def test_each_selected_test_gets_the_changed_file_and_a_shortest_real_path(
    peek: list[dict[str, object]],
) -> None:
    found = {reason.test: reason for reason in reasons(peek, [HTML])}

    selected = {str(t["address"]) for t in peek if t["target_type"] in ("python_test", "notebook")}
    assert set(found) == selected
    dependencies = {str(t["address"]): set(t["dependencies"]) for t in peek}  # type: ignore[call-overload]
    for reason in found.values():
        assert reason.changed_file == HTML
        assert reason.path[0] == reason.test
        assert reason.path[-1] == f"{HTML}:src"
        for step, next_step in zip(reason.path, reason.path[1:], strict=False):
            assert next_step in dependencies[step], f"{step} does not depend on {next_step}"
    assert found["tests/test_main_job.py"].path == (
        "tests/test_main_job.py",
        "packages/jobs/src/brickyard/jobs/cli.py:src",
        "packages/jobs/src/brickyard/jobs/pipeline.py:src",
        "packages/reporting/src/brickyard/reporting/__init__.py:src",
        f"{HTML}:src",
    )
    # The wheel is the shorter way from the publish test to the module.
    assert found["tests/test_publish.py:publish"].path == (
        "tests/test_publish.py:publish",
        "packages/reporting/src/brickyard/reporting:dist",
        f"{HTML}:src",
    )


def test_a_changed_test_file_is_its_own_reason(peek: list[dict[str, object]]) -> None:
    test_html = "packages/reporting/tests/brickyard/reporting/test_html.py"
    found = {reason.test: reason for reason in reasons(peek, [HTML, test_html])}
    assert found[f"{test_html}:tests"].path == (f"{test_html}:tests",)
    assert found[f"{test_html}:tests"].changed_file == test_html


def test_a_changed_build_file_is_the_reason_for_the_targets_it_declares(
    peek: list[dict[str, object]],
) -> None:
    found = {reason.test: reason for reason in reasons(peek, [REPORTING_BUILD])}
    reason = found["packages/reporting/tests/brickyard/reporting/test_report.py:tests"]
    assert reason.changed_file == REPORTING_BUILD
    assert reason.path[-1].startswith("packages/reporting/src/brickyard/reporting")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the files the verb reads, committed (a summary file goes beside
    it, since an untracked file in it counts as changed)."""
    root = tmp_path / "repo"
    (root / ".ci").mkdir(parents=True)
    (root / "pants.toml").touch()
    for relative, text in {
        ".ci/global-files": GLOBAL_FILES,
        HTML: '"""html"""\n',
        "lockfiles/python-default.lock": "{}\n",
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    git(root, "init", "--quiet")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "base")
    return root


def test_the_table_goes_to_the_console_and_the_job_summary(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / HTML).write_text('"""html, edited"""\n')
    summary = repo.parent / "summary.md"
    summary.write_text("## earlier step\n")
    pants = fake_pants({PEEK_ARGS: peek_output("peek_changed_reporting_html")})

    argv = ["--root", str(repo), "why", "--base", "HEAD", "--summary", str(summary)]
    assert main(argv, pants) == 0

    out = capsys.readouterr().out
    assert "why: 13 test target(s) run for 1 changed file(s) since HEAD" in out
    assert (
        "  tests/test_main_job.py\n"
        f"      changed: {HTML}\n"
        "      path:    tests/test_main_job.py -> packages/jobs/src/brickyard/jobs/cli.py:src"
    ) in out
    table = summary.read_text()
    assert table.startswith("## earlier step\n### Why these tests ran (changes since `HEAD`)\n")
    assert "| Test target | Changed file | Dependency path (test → change) |" in table
    assert (
        f"| `tests/test_publish.py:publish` | `{HTML}` | `tests/test_publish.py:publish` → "
        f"`packages/reporting/src/brickyard/reporting:dist` → `{HTML}:src` |"
    ) in table


def test_a_global_file_says_once_that_everything_runs_without_asking_pants(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "lockfiles/python-default.lock").write_text('{"changed": true}\n')
    (repo / HTML).write_text('"""html, edited"""\n')
    summary = repo.parent / "summary.md"

    argv = ["--root", str(repo), "why", "--base", "HEAD", "--summary", str(summary)]
    assert main(argv, fake_pants({})) == 0

    out = capsys.readouterr().out
    assert out.count("every target runs") == 1
    assert "\n  lockfiles/python-default.lock\n" in out
    assert HTML not in out
    assert "Everything ran" in summary.read_text()


def test_an_unknown_base_is_refused_with_what_to_do(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(repo), "why", "--base", "origin/nope"], fake_pants({})) == 1
    assert "base revision 'origin/nope' is not a commit here (fetch it first" in (
        capsys.readouterr().err
    )
