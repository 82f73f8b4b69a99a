"""Each library's executable as people and schedulers run it: the built PEX, started from /
with nothing in its environment but PATH (and a HOME of its own, where the PEX unpacks).

The executables are built into the sandbox by tests/BUILD (`runtime_package_dependencies`).
They read the Seattle sample they carry, the repository's contract and feature set (given
as paths, as a user would), the files the previous command wrote, and the model the
pipeline job trains.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brickyard.core import ExitCode
from brickyard.jobs.cli import pipeline_main

CONTRACT = Path("shared-config/contracts/seattle_weather.toml").absolute()
DEFINITION = Path("shared-config/features/weather_daily.toml").absolute()
INGEST, FEATURES, MODELS = (
    Path(f"{library}/{library}.pex").absolute() for library in ("ingest", "features", "models")
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("work")


def run(home: Path, executable: Path, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(executable), *map(str, args)],
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_ingest_checks_the_sample_it_carries(home: Path) -> None:
    checked = run(home, INGEST, "check", "sample:seattle_weather", "--contract", CONTRACT)
    assert checked.returncode == ExitCode.OK, checked.stderr
    assert checked.stdout == (
        "sample:seattle_weather: 1461 rows read, 1461 accepted, 0 rejected "
        "(contract seattle_weather)\n"
    )


def test_ingest_check_of_planted_defects_exits_65_with_counts_and_writes_nothing(
    home: Path, tmp_path: Path
) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text(
        "date,precipitation,temp_max,temp_min,wind,weather\n"
        "2016/01/01,0.0,9.4,3.3,2.5,rain\n"
        "2016/01/02,0.0,abc,3.3,2.5,rain\n"
        "2016/01/03,0.0,8.9,3.3,-1.0,sun\n"
    )
    checked = run(home, INGEST, "check", extract, "--contract", CONTRACT)
    assert checked.returncode == ExitCode.DATA
    assert checked.stdout.splitlines()[:4] == [
        f"{extract}: 3 rows read, 1 accepted, 2 rejected (contract seattle_weather)",
        "rejected rows by reason (a row may fail several):",
        "  type           1",
        "  range          1",
    ]
    assert "ingest check failed: 2 of 3 rows" in checked.stderr
    assert list(tmp_path.iterdir()) == [extract]


def test_sample_to_scores_through_the_three_executables(home: Path, work: Path) -> None:
    loaded = run(
        home,
        INGEST,
        "load",
        "sample:seattle_weather",
        "--contract",
        CONTRACT,
        "--out",
        work / "ingest",
    )
    assert loaded.returncode == ExitCode.OK, loaded.stderr
    accepted = work / "ingest" / "seattle_weather.parquet"

    features = work / "features.parquet"
    computed = run(
        home, FEATURES, "compute", accepted, "--definition", DEFINITION, "--out", features
    )
    assert computed.returncode == ExitCode.OK, computed.stderr
    assert pq.read_metadata(features).num_rows == 1461

    assert pipeline_main(["--output-dir", str(work / "job")]) == ExitCode.OK
    current = json.loads((work / "job/models/temp_max/current.json").read_text())
    model = work / "job/models/temp_max" / current["path"]

    scores = work / "scores.parquet"
    scored = run(
        home, MODELS, "score", "--model", model, features, "--out", scores, "--log-format", "json"
    )
    assert scored.returncode == ExitCode.OK, scored.stderr
    assert pq.read_table(scores).column_names == ["date", "prediction"]
    assert pq.read_metadata(scores).num_rows == 1461
    assert (
        json.loads(scored.stderr.splitlines()[-1])["message"]
        == f"wrote 1461 predictions to {scores}"
    )

    inspected = run(home, MODELS, "inspect", model)
    assert inspected.returncode == ExitCode.OK, inspected.stderr
    described = json.loads(inspected.stdout)
    assert described["name"] == f"temp_max-{current['as_of']}"
    assert described["features"][0] == "temp_max_lag_1"


def test_the_features_executable_has_no_pyspark_and_says_so(home: Path, tmp_path: Path) -> None:
    table = tmp_path / "weather.parquet"
    pq.write_table(pa.table({"date": pa.array([dt.date(2016, 1, 1)])}), table)
    out = tmp_path / "features.parquet"
    computed = run(
        home,
        FEATURES,
        "compute",
        table,
        "--definition",
        DEFINITION,
        "--out",
        out,
        "--engine",
        "spark",
    )
    assert computed.returncode == ExitCode.CONFIG
    assert "--engine spark needs pyspark, which is not installed here" in computed.stderr
    assert not out.exists()
