from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from brickyard.core import ExitCode
from brickyard.ingest.cli import main
from brickyard.ingest.samples import SEATTLE_WEATHER_ROWS

WeatherCsv = Callable[[str], Path]

# One row per kind of defect, after two good ones (the header is line 1).
DEFECTS = """2012/01/01,0.0,12.8,5.0,4.7,drizzle
2012/01/02,10.9,10.6,2.8,4.5,rain
2012/01/03,0.8,abc,7.2,2.3,rain
2012/01/04,20.3,12.2,5.6,-3.0,rain
2012/01/04,1.3,8.9,2.8,6.1,rain
2012/01/05,0.0,10.0,2.8,2.0,hail
2012/01/06,4.3,9.4,5.0,3.4,rain,extra
"""


@pytest.fixture
def contract(contracts_dir: Path) -> str:
    return str(contracts_dir / "seattle_weather.toml")


def error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if " ERROR " in line]


def test_check_of_the_sample_passes_every_row(
    contract: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "sample:seattle_weather", "--contract", contract]) == ExitCode.OK
    assert capsys.readouterr().out == (
        f"sample:seattle_weather: {SEATTLE_WEATHER_ROWS} rows read, {SEATTLE_WEATHER_ROWS} "
        "accepted, 0 rejected (contract seattle_weather)\n"
    )


def test_check_of_planted_defects_exits_65_with_counts_by_reason_and_writes_nothing(
    tmp_path: Path, weather_csv: WeatherCsv, contract: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = weather_csv(DEFECTS)

    assert main(["check", str(source), "--contract", contract]) == ExitCode.DATA

    out, err = capsys.readouterr()
    assert out.splitlines()[:7] == [
        f"{source}: 7 rows read, 2 accepted, 5 rejected (contract seattle_weather)",
        "rejected rows by reason (a row may fail several):",
        "  type           1",
        "  range          1",
        "  allowed        1",
        "  duplicate_key  1",
        "  malformed      1",
    ]
    assert "  line 4: temp_max: 'abc' is not a float" in out.splitlines()
    (error,) = (line for line in err.splitlines() if " ERROR " in line)
    assert error.endswith(
        f"ERROR ingest check failed: 5 of 7 rows of {source} failed contract 'seattle_weather'"
    )
    assert list(tmp_path.iterdir()) == [source]


def test_check_shows_the_first_rejected_rows_and_counts_the_rest(
    weather_csv: WeatherCsv, contract: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"2012/01/{day:02d},0.0,n/a,5.0,4.7,rain\n" for day in range(1, 13))
    assert main(["check", str(weather_csv(rows)), "--contract", contract]) == ExitCode.DATA
    out = capsys.readouterr().out.splitlines()
    assert out[3] == "first 10 rejected rows:"
    assert out[4] == "  line 2: temp_max: 'n/a' is not a float"
    assert out[-1] == "  ... and 2 more (`ingest load` writes them all to the rejects file)"


def test_check_logs_the_counts_as_json_for_log_collectors(
    contract: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["check", "sample:seattle_weather", "--contract", contract, "--log-format", "json"]
    assert main(argv) == ExitCode.OK
    entries = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    (counts,) = (entry for entry in entries if "rejected_by_reason" in entry)
    assert (counts["read"], counts["accepted"], counts["rejected"]) == (1461, 1461, 0)
    assert entries[0]["message"] == "checking sample:seattle_weather ..."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ("date,precipitation\n2012/01/01,0.0\n", "temp_max"),
    ],
)
def test_check_of_an_unusable_file_exits_65_naming_it(
    tmp_path: Path, contract: str, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "extract.csv"
    source.write_text(content)
    assert main(["check", str(source), "--contract", contract]) == ExitCode.DATA
    (line,) = error_lines(capsys)
    assert str(source) in line and message in line


def test_a_missing_source_exits_66(tmp_path: Path, contract: str) -> None:
    assert main(["check", str(tmp_path / "late.csv"), "--contract", contract]) == ExitCode.NO_INPUT


def test_an_invalid_contract_exits_78_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contract = tmp_path / "broken.toml"
    contract.write_text('name = "x"\n[[columns]]\nname = "date"\ntype = "text"\n')
    code = main(["check", "sample:seattle_weather", "--contract", str(contract)])
    assert code == ExitCode.CONFIG
    err = capsys.readouterr().err
    assert f"ERROR ingest check failed: {contract}: invalid contract:" in err
    assert "columns[0] (date).type" in err


def test_an_unknown_sample_is_a_usage_error_listing_the_samples(
    contract: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "sample:paris", "--contract", contract]) == ExitCode.USAGE
    (line,) = error_lines(capsys)
    assert line.endswith("unknown sample 'sample:paris'; the samples are sample:seattle_weather")


def test_load_writes_what_a_job_ingest_step_writes_and_then_adds_only_new_rows(
    tmp_path: Path, weather_csv: WeatherCsv, contract: str
) -> None:
    out = tmp_path / "ingest"
    first = weather_csv(DEFECTS)
    assert main(["load", str(first), "--contract", contract, "--out", str(out)]) == ExitCode.OK
    assert sorted(path.name for path in out.iterdir()) == [
        "seattle_weather.ingest.json",
        "seattle_weather.parquet",
        "seattle_weather.rejects.csv",
        "watermarks.json",
    ]
    assert pq.read_table(out / "seattle_weather.parquet").num_rows == 2
    assert json.loads((out / "watermarks.json").read_text()) == {"seattle_weather": "2012-01-05"}

    grown = weather_csv(DEFECTS + "2012/01/07,0.0,9.0,4.0,2.0,sun\n")
    assert main(["load", str(grown), "--contract", contract, "--out", str(out)]) == ExitCode.OK
    report = json.loads((out / "seattle_weather.ingest.json").read_text())
    assert (report["watermark_before"], report["watermark_after"]) == ("2012-01-05", "2012-01-07")
    assert report["total"]["accepted"] == 3
    assert pq.read_table(out / "seattle_weather.parquet")["date"][-1].as_py().day == 7


def test_load_without_a_watermark_replaces_the_outputs_with_the_whole_source(
    tmp_path: Path, weather_csv: WeatherCsv, contract: str
) -> None:
    unwatermarked = tmp_path / "days.toml"
    unwatermarked.write_text(Path(contract).read_text().replace('watermark = "date"\n', ""))
    out = tmp_path / "out"
    argv = ["load", str(weather_csv(DEFECTS)), "--contract", str(unwatermarked)]
    assert main([*argv, "--out", str(out), "--name", "days"]) == ExitCode.OK
    assert main([*argv, "--out", str(out), "--name", "days"]) == ExitCode.OK
    assert sorted(path.name for path in out.iterdir()) == [
        "days.ingest.json",
        "days.parquet",
        "days.rejects.csv",
    ]
    assert pq.read_table(out / "days.parquet").num_rows == 2
