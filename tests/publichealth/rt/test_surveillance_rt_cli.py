"""`hoso surveillance rt` against EpiEstim 2.2-4's own R tables, and its refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hoso.cli import app
from hoso.publichealth.rt import OUTPUT_COLUMNS
from tests.publichealth.rt.epiestim_reference import (
    REFERENCE,
    Case,
    assert_same_figures,
    cases,
    r_table,
)

pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parents[3]


def _arguments(case: Case, output: Path) -> list[str]:
    args = ["--incidence", str(case.incidence_file), "--output", str(output)]
    if case.method == "parametric_si":
        args += ["--si-mean", str(case.si_mean), "--si-sd", str(case.si_sd)]
    else:
        args += ["--si-distr", str(REFERENCE / case.si_distr_file)]
    if case.window is not None:
        args += ["--window", str(case.window)]
    return [*args, "--mean-prior", str(case.mean_prior), "--std-prior", str(case.std_prior)]


def _rt(*args: str) -> Result:
    return CliRunner().invoke(app, ["surveillance", "rt", *args])


def _assert_same_table(ours: Path, epiestim: Path) -> None:
    header, rows = r_table(ours)
    expected_header, expected = r_table(epiestim)
    assert tuple(header) == OUTPUT_COLUMNS == tuple(expected_header)
    assert [(s, e) for s, e, _ in rows] == [(s, e) for s, e, _ in expected]
    for (_, _, mine), (_, _, theirs) in zip(rows, expected, strict=True):
        assert_same_figures(mine, theirs)


SLIDING = [c for c in cases() if c.windows != "custom"]  # the command only slides


@pytest.mark.parametrize("case", SLIDING, ids=lambda c: c.name)
def test_cli_matches_epiestim(case: Case, tmp_path: Path) -> None:
    output = tmp_path / "R.csv"
    result = _rt(*_arguments(case, output))
    assert result.exit_code == 0, result.output
    _assert_same_table(output, case.r_file)


def test_na_is_an_empty_cell(tmp_path: Path) -> None:
    case = next(c for c in cases() if c.name == "smallpox1972_non_parametric")
    output = tmp_path / "R.csv"
    assert _rt(*_arguments(case, output)).exit_code == 0
    first_row = output.read_text().splitlines()[1]
    assert first_row == "2,8" + "," * 9


def test_epiestims_warnings_go_to_stderr(tmp_path: Path) -> None:
    case = next(c for c in cases() if c.name == "quiet_spell_parametric")
    result = _rt(*_arguments(case, tmp_path / "R.csv"))
    assert result.exit_code == 0
    assert "too early in the epidemic" in result.stderr
    assert result.stdout == ""


def test_python_m_hoso_cli_runs_the_command(tmp_path: Path) -> None:
    case = next(c for c in cases() if c.name == "flu2009_local_imported_parametric")
    output = tmp_path / "R.csv"
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-m", "hoso.cli", "surveillance", "rt", *_arguments(case, output)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    _assert_same_table(output, case.r_file)


GOOD = "dates,I\n" + "".join(f"2024-03-{d:02d},{d % 5}\n" for d in range(1, 21))
SI_OK = "k,p\n0,0\n1,0.5\n2,0.5\n"


@pytest.mark.parametrize(
    ("incidence", "si", "options", "expected"),
    [
        ("dates,cases\n1,2\n2,3\n", None, [], "Tệp tỷ lệ mới mắc thiếu cột I"),
        ("dates,local\n1,2\n2,3\n", None, [], "lacks an I column"),
        ("I\n1\n2\n3\n", None, [], "thiếu cột dates"),
        ("", None, [], "trống / the incidence file"),
        ("dates,I\n", None, [], "is empty"),
        (GOOD.replace(",3\n", ",-3\n", 1), None, [], "whole number >= 0, not '-3'"),
        (GOOD.replace(",3\n", ",2.5\n", 1), None, [], "not '2.5'"),
        (GOOD.replace(",3\n", ",three\n", 1), None, [], "not 'three'"),
        (GOOD.replace(",3\n", ",3,4\n", 1), None, [], "has 3 cells, the header 2"),
        (GOOD.replace("2024-03-05", "2024-13-05"), None, [], "neither an ISO date"),
        (GOOD.replace("2024-03-05", "2024-03-06"), None, [], "all in a row"),
        (GOOD.replace("2024-03-05", "5"), None, [], "class date or numeric"),
        ("dates,I\n" + "".join(f"{d},1\n" for d in range(10, 0, -1)), None, [], "in a row"),
        ("dates,I\n" + "".join(f"{d},1\n" for d in (1, 2, 3, 5, 6, 7, 8, 9)), None, [], "row"),
        ("dates,I\n" + "".join(f"{d},1\n" for d in range(1, 7)), None, [], "need 8, not 6"),
        (GOOD, None, ["--window", "1"], "--window must be at least 2 days"),
        (GOOD, None, ["--window", "20"], "too long for a 20-day series"),
        (GOOD, None, ["--window", "30"], "too long"),
        (GOOD, SI_OK, ["--si-mean", "3", "--si-sd", "1"], "not both"),
        (GOOD, None, ["--no-si"], "give --si-mean and --si-sd, or --si-distr"),
        (GOOD, None, ["--si-sd-only"], "give --si-mean and --si-sd"),
        (GOOD, None, ["--si-mean", "1", "--si-sd", "1"], "value >1 for mean_si"),
        (GOOD, None, ["--mean-prior", "0"], "mean_prior must be >0"),
        (GOOD, "k,p\n0,0.1\n1,0.5\n2,0.4\n", [], "si_distr[1] = 0"),
        (GOOD, "k,p\n0,0\n1,0.5\n2,0.3\n", [], "si_distr must sum to 1"),
        (GOOD, "k,p\n0,0\n1,1.5\n2,-0.5\n", [], "positive vector"),
        (GOOD, "k,p\n0,0\n2,0.5\n1,0.5\n", [], "0, 1, 2, … in order"),
        (GOOD, "k,prob\n0,0\n1,1\n", [], "lacks a k or a p column"),
        (GOOD, "k,p\n0,0\n1,x\n", [], "k must be a whole number and p a number"),
        (GOOD, "", [], "the serial interval file"),
    ],
)  # fmt: skip
def test_malformed_input_exits_2_with_a_bilingual_message(
    tmp_path: Path, incidence: str, si: str | None, options: list[str], expected: str
) -> None:
    inc = tmp_path / "inc.csv"
    inc.write_text(incidence, encoding="utf-8")
    args = ["--incidence", str(inc), "--output", str(tmp_path / "R.csv")]
    if si is not None:
        (tmp_path / "si.csv").write_text(si, encoding="utf-8")
        args += ["--si-distr", str(tmp_path / "si.csv")]
    if options == ["--si-sd-only"]:
        args += ["--si-sd", "1.5"]
    elif options != ["--no-si"]:
        args += options
        if si is None and "--si-mean" not in options:
            args += ["--si-mean", "2.6", "--si-sd", "1.5"]
    result = _rt(*args)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert " / " in result.stderr  # Vietnamese, then English
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert not (tmp_path / "R.csv").exists()


def test_a_missing_incidence_file_exits_2(tmp_path: Path) -> None:
    result = _rt("--incidence", str(tmp_path / "none.csv"), "--si-mean", "2.6",
                 "--si-sd", "1.5", "--output", str(tmp_path / "R.csv"))  # fmt: skip
    assert result.exit_code == 2
    assert "không đọc được tệp tỷ lệ mới mắc" in result.stderr
