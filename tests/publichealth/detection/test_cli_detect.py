"""`hoso surveillance detect` against R's outputs for every reference case (the CLI's
file equals R's to 1e-6, alarms exactly), and its answer to malformed input: a
Vietnamese-then-English message on stderr, exit status 2, no traceback."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from hoso.cli import app
from tests.publichealth.detection.reference_cases import (
    REFERENCE,
    ReferenceCase,
    assert_matches_r,
    cases,
    read_result,
)

pytestmark = pytest.mark.backend_independent
ROOT = Path(__file__).resolve().parents[3]
AGONA = REFERENCE / "series" / "agona.csv"


def detect(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["surveillance", "detect", *map(str, args)])


@pytest.mark.parametrize("case", cases(), ids=str)
def test_the_command_writes_what_r_computes(case: ReferenceCase, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    series = REFERENCE / "series" / f"{case.series_name}.csv"
    result = detect(*case.cli_options(), "--input", series, "--output", out)
    assert result.exit_code == 0, result.output
    mine, r = read_result(out), case.result()
    assert mine.labels == r.labels
    assert list(mine.count) == list(r.count)
    assert_matches_r(mine.upperbound, mine.expected, mine.alarm, r)


def test_python_m_hoso_cli_runs_it(tmp_path: Path) -> None:
    """The command as installed: `python -m hoso.cli surveillance detect`, header and all."""
    out = tmp_path / "out.csv"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-m", "hoso.cli", "surveillance", "detect", "--method", "noufaily",
         "--input", str(AGONA), "--output", str(out)],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.splitlines()[0] == "t,count,upperbound,expected,alarm"
    r = read_result(REFERENCE / "agona_noufaily.csv")
    mine = read_result(out)
    assert mine.labels == r.labels
    assert_matches_r(mine.upperbound, mine.expected, mine.alarm, r)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _weekly(rows: int, start: str = "2020-01-06") -> str:
    from datetime import date, timedelta

    first = date.fromisoformat(start)
    return "date,count\n" + "".join(f"{first + timedelta(weeks=i)},{i % 5}\n" for i in range(rows))


MALFORMED = {
    "no_count_column": ("date,cases\n2020-01-06,1\n", "thiếu cột count / the input lacks a count"),
    "no_date_or_t": ("week,count\n1,1\n", "thiếu cột date hoặc t"),
    "empty_file": ("", "Tệp đầu vào trống / the input file is empty"),
    "header_only": ("t,count\n", "không có tuần nào / the input has no weeks"),
    "non_integer": ("t,count\n1,2\n2,2.5\n", "Dòng 3: số ca '2.5' không phải số nguyên"),
    "text_count": ("t,count\n1,many\n", "không phải số nguyên / line 2: count 'many'"),
    "negative": ("t,count\n1,3\n2,-1\n", "số ca âm (-1) / line 3: negative count"),
    "missing_count": ("t,count\n1,3\n2,\n", "Dòng 3 thiếu giá trị count"),
    "bad_date": ("date,count\n2020-01-06,1\n06/01/2020,2\n", "ngày '06/01/2020' không đọc được"),
    "not_weekly": ("date,count\n2020-01-06,1\n2020-01-14,2\n", "không cách nhau đúng 7 ngày"),
    "t_gaps": ("t,count\n1,1\n3,2\n", "t phải tăng liên tiếp"),
    "bad_population": ("t,count,population\n1,1,0\n", "Dân số phải dương"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_input_is_refused_with_a_message(name: str, tmp_path: Path) -> None:
    text, message = MALFORMED[name]
    result = detect("--method", "farrington", "--input", _write(tmp_path, text),
                    "--output", tmp_path / "out.csv")  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not (tmp_path / "out.csv").exists()


BAD_OPTIONS = {
    "method": (["--method", "cusum"], "Giá trị --method không hợp lệ: 'cusum'"),
    "threshold": (["--method", "farrington", "--threshold-method", "exact"],
                  "unknown --threshold-method value 'exact'"),
    "powertrans": (["--method", "farrington", "--powertrans", "log"], "--powertrans"),
    "range_outside": (["--method", "farrington", "--range", "300:400"],
                      "nằm ngoài chuỗi 1:312 / lies outside"),
    "range_form": (["--method", "ears-c1", "--range", "10-20"], "phải có dạng FROM:TO"),
    "range_too_early": (["--method", "farrington", "--range", "10:20"],
                        "Không tính được với các tham số này / cannot compute"),
    "limit54": (["--method", "farrington", "--limit54", "5"], "phải có dạng CASES,WEEKS"),
    "limit54_bounds": (["--method", "farrington", "--limit54", "5,0"], "limit54"),
    "population": (["--method", "farrington", "--population-offset"],
                   "cần cột population / needs a population column"),
    "ears_baseline": (["--method", "ears-c2", "--baseline", "2"], "Minimum baseline to use is 3"),
}  # fmt: skip


@pytest.mark.parametrize("name", BAD_OPTIONS)
def test_unusable_options_are_refused_with_a_message(name: str, tmp_path: Path) -> None:
    options, message = BAD_OPTIONS[name]
    result = detect(*options, "--input", AGONA, "--output", tmp_path / "out.csv")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_short_dated_series_says_which_weeks_are_missing(tmp_path: Path) -> None:
    result = detect("--method", "farrington", "--input", _write(tmp_path, _weekly(100)),
                    "--output", tmp_path / "out.csv")  # fmt: skip
    assert result.exit_code == 2
    assert "Không tính được" in result.stderr and "b=5" in result.stderr


def test_output_to_stdout_and_the_range_option(tmp_path: Path) -> None:
    result = detect("--method", "ears-c1", "--range", "300:312", "--input", AGONA, "--output", "-")
    assert result.exit_code == 0
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [row["t"] for row in rows] == [str(t) for t in range(300, 313)]
    assert {row["alarm"] for row in rows} <= {"TRUE", "FALSE"}
