"""`hoso programmes report` as the operator runs it, on SQLite and PostgreSQL: the toy
programme's registers recomputed, then its monthly report written as .xlsx (read back)
and as a MeasureReport (validated); a bad month, an unknown programme, 'all' without
.xlsx: exit 2 with the reason, never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fhir.resources.R4B.measurereport import MeasureReport
from openpyxl import load_workbook
from typer.testing import CliRunner

from hoso.cli import app
from hoso.core import jsonx
from hoso.programmes import registry
from hoso.store.publichealth_series import SqlSurveillance
from hoso.store.sql_store import SqlStore
from tests.callers import as_caller
from tests.cli.conftest import hoso
from tests.programmes.world import OTHER_WARD, WARD, ToyBloodPressure, home, hypertension, recompute


@pytest.fixture
def registers(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> SqlStore:
    """Three hypertensive residents of WARD, one of OTHER_WARD, recomputed; the toy
    programme registered; WARD's population for the year."""
    monkeypatch.setattr(registry, "PROGRAMMES", (ToyBloodPressure(),))
    with as_caller(store) as repo:
        for n, ward in ((1, WARD), (2, WARD), (3, WARD), (4, OTHER_WARD)):
            repo.create(hypertension(repo.create(home(n, ward)).stored.id))
    with as_caller(store) as operator:
        recompute(store, operator).everyone()
    SqlSurveillance(store.engine).store_population([(WARD, 2026, 12000)])
    return store


def test_the_wards_xlsx_and_the_measure_report(registers: SqlStore, database_url: str,
                                               tmp_path: Path) -> None:  # fmt: skip
    runner, env = CliRunner(), {"HOSO_DATABASE_URL": database_url}
    out = tmp_path / "bao-cao.xlsx"
    done = runner.invoke(app, ["programmes", "report", "--programme", "toy-bp", "--month",
                               "2026-11", "--ward", WARD, "--out", str(out)], env=env)  # fmt: skip
    assert done.exit_code == 0, done.output
    sheet = load_workbook(io.BytesIO(out.read_bytes()))["toy-bp"]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert any(r[0] == "BÁO CÁO THÁNG 11/2026 / MONTHLY REPORT 11/2026" for r in rows)
    enrolled = next(r for r in rows if r[1] == "Số người đăng ký quản lý / Residents enrolled")
    assert enrolled[2] == 3  # WARD's three, not OTHER_WARD's
    fhir = tmp_path / "report.json"
    done = runner.invoke(app, ["programmes", "report", "--programme", "toy-bp", "--month",
                               "2026-11", "--out", str(fhir)], env=env)  # fmt: skip
    assert done.exit_code == 0, done.output
    body = jsonx.loads(fhir.read_text(encoding="utf-8"))
    MeasureReport.model_validate(body)
    assert body["group"][0]["population"][0]["count"] == 4  # the city
    controlled = body["group"][1]
    assert controlled["code"]["coding"][0]["code"] == "controlled"
    assert [p["count"] for p in controlled["population"]] == [0, 4]  # no readings yet


def test_refusals_exit_2_with_the_reason(store: SqlStore, database_url: str) -> None:
    bad = hoso("programmes", "report", "--programme", "all", "--month", "2026-13",
               database_url=database_url)  # fmt: skip
    assert bad.returncode == 2 and "month" in bad.stderr and "Traceback" not in bad.stderr
    none = hoso("programmes", "report", "--programme", "nope", "--month", "2026-11",
                database_url=database_url)  # fmt: skip
    assert none.returncode == 2 and "no programme nope" in none.stderr
    whole = hoso("programmes", "report", "--programme", "all", "--month", "2026-11",
                 database_url=database_url)  # fmt: skip
    assert whole.returncode == 2 and "use --out FILE.xlsx for 'all'" in whole.stderr
