from __future__ import annotations

import json
import logging

import pytest

from brickyard.jobs.logs import configure_logging


def test_json_lines_carry_extra_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json")
    logging.getLogger("brickyard.jobs").info("step done", extra={"step": "features", "rows": 3})
    entry = json.loads(capsys.readouterr().err.strip())
    assert entry["message"] == "step done"
    assert entry["level"] == "info"
    assert entry["step"] == "features"
    assert entry["rows"] == 3


def test_text_format_is_one_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("text")
    logging.getLogger("brickyard.jobs").warning("careful")
    line = capsys.readouterr().err.strip()
    assert line.endswith("WARNING careful")
