from __future__ import annotations

import re

import pytest

from brickyard_dev.cli import VERBS, main


def test_help_lists_every_verb_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ./pants run tools/dev -- [-h] [--root ROOT] VERB ...")
    listed = re.findall(r"^    ([a-z]+) +(\S.*)$", out, re.MULTILINE)
    assert [verb for verb, _ in listed] == list(VERBS)
    assert not re.search(r"^ {8}", out, re.MULTILINE)  # no summary wraps onto a second line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nosuchverb"], "argument VERB: invalid choice: 'nosuchverb'"),
        ([], "the following arguments are required: VERB"),
        (["graph", "--chek"], "unrecognized arguments: --chek"),
        (["schedules"], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_usage_exits_64_with_the_usage(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 64
    err = capsys.readouterr().err
    assert err.startswith("usage: ./pants run tools/dev --")
    assert message in err


def test_outside_a_repository_the_error_says_where_to_run(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert main(["graph", "--check"]) == 1
    assert "run from inside the repository or pass --root" in capsys.readouterr().err
