"""The pipeline executable as cron runs it (`cd / && env -i PATH=/usr/bin:/bin`): compressed
daily extracts go through, and a read-only output directory ends it with 73 and one line.

packages/jobs:pipeline is built into the sandbox (tests/BUILD); the jobs read a slice of the
embedded sample, with small model settings.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import pytest
import zstandard
from filesystem_faults import tmpfs

from brickyard.core import ExitCode
from brickyard.ingest import seattle_weather_path

AS_OF = "2012-07-18"
SMALL_MODEL = [
    *("--set", "model.max_iter=10"),
    *("--set", "backtest.n_splits=1"),
    *("--set", "backtest.test_days=30"),
]


@pytest.fixture(scope="module")
def executable() -> Path:
    return Path("jobs/pipeline.pex").absolute()


@pytest.fixture(scope="module")
def days() -> tuple[str, list[str]]:
    """The sample's header and its rows up to AS_OF."""
    with seattle_weather_path() as sample:
        header, *rows = sample.read_text(encoding="utf-8").splitlines()
    return header, [row for row in rows if row[:10].replace("/", "-") <= AS_OF]


def run(executable: Path, output_dir: Path, source: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            executable,
            *("--output-dir", str(output_dir), "--as-of", AS_OF),
            *("--set", f"dataset.source={source}"),
            *SMALL_MODEL,
        ],
        capture_output=True,
        text=True,
        cwd="/",
        env={"PATH": "/usr/bin:/bin"},
        timeout=900,
    )


@pytest.mark.parametrize("name", ["weather.csv.gz", "weather.jsonl.zst"])
def test_a_compressed_extract_runs_through_the_executable(
    tmp_path: Path, executable: Path, days: tuple[str, list[str]], name: str
) -> None:
    header, rows = days
    if name.startswith("weather.csv"):
        source = tmp_path / name
        source.write_bytes(gzip.compress("\n".join([header, *rows, ""]).encode(), mtime=0))
    else:
        names = header.split(",")
        records = [json.dumps(dict(zip(names, row.split(","), strict=True))) for row in rows]
        source = tmp_path / name
        source.write_bytes(zstandard.compress("\n".join([*records, ""]).encode()))

    result = run(executable, tmp_path / "out", source)

    assert result.returncode == ExitCode.OK, result.stderr
    summary = json.loads((tmp_path / "out" / "runs" / AS_OF / "summary.json").read_text())
    assert summary["data_quality"]["read"] == summary["data_quality"]["accepted"] == len(rows)
    assert f"read {len(rows)} rows (full load): {len(rows)} accepted, 0 rejected" in result.stderr


def test_a_read_only_output_directory_exits_73_with_one_line(
    tmp_path: Path, executable: Path, days: tuple[str, list[str]]
) -> None:
    header, rows = days
    source = tmp_path / "weather.csv"
    source.write_text("\n".join([header, *rows, ""]), encoding="utf-8")
    with tmpfs(tmp_path / "out", read_only=True) as output_dir:
        result = run(executable, output_dir, source)

    assert result.returncode == ExitCode.CANT_CREATE
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.endswith(
        f" ERROR pipeline failed: cannot write {output_dir}/.locks/pipeline-{AS_OF}.lock: "
        "Read-only file system; the filesystem is mounted read-only: remount it read-write "
        "(or point the output elsewhere) and run again"
    )
