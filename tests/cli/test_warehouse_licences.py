"""`hoso warehouse import-licences`, `licences expiring` and `check-licences`, run as an
operator would, on both databases: a register imported once (and again, unchanged), a
bad file refused whole, the alerts, and the planted findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from hoso.assembly import open_store
from hoso.core.settings import Settings
from tests.callers import as_caller
from tests.cli.conftest import hoso
from tests.warehouse.licence_world import CERTIFICATES, FACILITIES, SOURCE, plant_records


def _import(path: Path, kind: str, database_url: str, source: str = SOURCE
            ) -> tuple[int, str, str]:  # fmt: skip
    done = hoso("warehouse", "import-licences", str(path), "--kind", kind, "--source", source,
                database_url=database_url)  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def _practitioners(database_url: str) -> int:
    store = open_store(database_url, Settings(database_url=database_url))
    try:
        with as_caller(store) as repo:
            return len(repo.search("Practitioner", [("_count", "100")]).matches)
    finally:
        store.engine.dispose()


@pytest.fixture
def register(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "gphn.csv"
    path.write_text(CERTIFICATES, encoding="utf-8-sig")
    return path


def test_import_twice_then_list_what_expires(register: Path, database_url: str) -> None:
    code, out, err = _import(register, "certificates", database_url)
    assert code == 0, err
    assert "8 dòng / rows" in out and "created 8" in out and "01/12/2026" in out
    code, out, _ = _import(register, "certificates", database_url)
    assert code == 0 and "unchanged 8" in out and "created 0" in out
    done = hoso("warehouse", "licences", "expiring", "--days", "90", "--format", "json",
                database_url=database_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = {r["number"]: r for r in json.loads(done.stdout)}
    assert rows["000103/HCM-GPHN"]["alert"] == "expired"
    assert "000101/HCM-GPHN" not in rows
    table = hoso("warehouse", "licences", "expiring", database_url=database_url)
    assert "đã hết hạn / expired" in table.stdout and "30/06/2026" in table.stdout


def test_facilities_from_a_spreadsheet(tmp_path: Path, database_url: str) -> None:
    book = Workbook()
    for line in FACILITIES.strip().splitlines():
        book.active.append(line.split(","))
    path = tmp_path / "gphd.xlsx"
    book.save(path)
    code, out, err = _import(path, "facilities", database_url)
    assert code == 0, err
    assert "created 2" in out


def test_a_bad_file_writes_nothing(tmp_path: Path, database_url: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(CERTIFICATES + "000999/HCM-GPHN,GPHN,X,bac-si,,32/13/2024,,Sở Y tế,,\n",
                    encoding="utf-8")  # fmt: skip
    code, _, err = _import(path, "certificates", database_url)
    assert code == 1
    assert "bad.csv: dòng 10, cột ngay_cap" in err and "nothing written" in err
    assert _practitioners(database_url) == 0


def test_refusals_name_what_is_wrong(register: Path, database_url: str) -> None:
    code, _, err = _import(register, "certificates", database_url, source="Sở Y tế TP.HCM")
    assert code == 2 and "--source-date" in err
    code, _, err = _import(register, "doctors", database_url)
    assert code == 2 and "certificates | facilities" in err
    done = hoso("warehouse", "check-licences", "--since", "hôm qua", database_url=database_url)
    assert done.returncode == 2 and "--since" in done.stderr
    assert _practitioners(database_url) == 0


def test_check_licences_lists_the_planted_findings(register: Path, database_url: str) -> None:
    assert _import(register, "certificates", database_url)[0] == 0
    store = open_store(database_url, Settings(database_url=database_url))
    try:
        with as_caller(store) as repo:
            ids = plant_records(repo)
    finally:
        store.engine.dispose()
    done = hoso("warehouse", "check-licences", "--format", "json", database_url=database_url)
    assert done.returncode == 0, done.stderr  # findings, not a failure
    found = {(f["resource"], f["reason"]) for f in json.loads(done.stdout)}
    assert (f"MedicationRequest/{ids['mr-nurse']}", "out-of-scope") in found
    assert (f"Encounter/{ids['enc-revoked']}", "revoked") in found and len(found) == 6
    since = hoso("warehouse", "check-licences", "--since", "02/11/2026", "--format", "csv",
                 database_url=database_url)  # fmt: skip
    assert since.returncode == 0 and len(since.stdout.strip().splitlines()) == 1 + 4
    table = hoso("warehouse", "check-licences", database_url=database_url)
    assert "6 phát hiện / findings" in table.stdout
