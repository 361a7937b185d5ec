"""`/api/programmes/immunisation` and its pages over the real app on SQLite and
PostgreSQL, as a ward station's nurse: the due list, a dose recorded (201), a severe AEFI
→ the 24-hour report and the flagged lot refused (409), an expired lot and malformed or
enormous input refused with the field named (400/413, never a 500, nothing written),
another ward's child the same 404 as an absent one, coverage and the national dataset's
export as CSV, XLSX and JSON."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.programmes.immunisation.dataset import dataset_fields
from hoso.store.sql_store import SqlStore
from tests.api.immunisation_world import PRODUCT, TODAY, ImmunisationWorld, dose
from tests.programmes.world import OTHER_WARD, WARD

API = "/api/programmes/immunisation"


@pytest.fixture
def world(app: FastAPI, store: SqlStore, client: TestClient) -> Iterator[ImmunisationWorld]:
    made = ImmunisationWorld(app, store, client)
    yield made
    made.close()


def _immunizations(client: TestClient, patient: str) -> int:
    return len(client.get(f"/fhir/Immunization?patient={patient}").json().get("entry", []))


def test_a_session_by_the_wards_nurse(world: ImmunisationWorld, client: TestClient) -> None:
    nurse, child = world.nurse, world.ids["child"]
    due = nurse.get(f"{API}/children/{child}")
    assert due.status_code == 200, due.text
    assert "diphtheria-1" in {d["activity"] for d in due.json()["due"]}
    made = nurse.post(f"{API}/children/{child}/doses", json=dose())
    assert made.status_code == 201, made.text
    imm = client.get(f"/fhir/Immunization/{made.json()['ids']['Immunization']}").json()
    assert (imm["lotNumber"], imm["expirationDate"]) == ("PENTA-2612", dose()["expiry"])
    after = nurse.get(f"{API}/children/{child}").json()
    assert [g["lot"] for g in after["given"]] == ["PENTA-2612"]
    assert "diphtheria-2" in {d["activity"] for d in after["due"]}
    products = nurse.get(f"{API}/products").json()["products"]
    assert any(p["product"] == PRODUCT for p in products)


def test_a_severe_aefi_reports_and_flags_the_lot(world: ImmunisationWorld,
                                                client: TestClient) -> None:  # fmt: skip
    nurse, child = world.nurse, world.ids["child"]
    aefi = {"event": "Co giật", "seriousness": "serious", "severity": "severe"}
    made = nurse.post(f"{API}/children/{child}/doses", json=dose(reaction_seen=True, aefi=aefi))
    assert made.status_code == 201, made.text
    report = made.json()["report"]
    reports = nurse.get(f"{API}/aefi-reports?open=1").json()["reports"]
    assert [(r["id"], r["overdue"], r["lot"]) for r in reports] == [(report, False, "PENTA-2612")]
    assert world.other_nurse.get(f"{API}/aefi-reports").json()["reports"] == []
    assert world.other_nurse.post(f"{API}/aefi-reports/{report}/sent").status_code == 404
    lots = nurse.get(f"{API}/lots?status=flagged").json()["lots"]
    assert [x["lot"] for x in lots] == ["PENTA-2612"]
    refused = nurse.post(f"{API}/children/{child}/doses", json=dose(dose_number=2))
    assert refused.status_code == 409 and "PENTA-2612" in refused.text
    assert _immunizations(client, child) == 1
    sent = nurse.post(f"{API}/aefi-reports/{report}/sent")
    assert sent.json() == {"report": report, "sent_now": True}
    assert nurse.get(f"{API}/aefi-reports?open=1").json()["reports"] == []
    # the station may not clear the lot; the operator may
    body = {"product": PRODUCT, "lot": "PENTA-2612", "status": "cleared", "reason": "đạt"}
    assert nurse.post(f"{API}/lots", json=body).status_code == 403
    assert client.post(f"{API}/lots", json=body).status_code == 200
    again = nurse.post(f"{API}/children/{child}/doses", json=dose(dose_number=2))
    assert again.status_code == 201, again.text


@pytest.mark.parametrize(("body", "field"), [
    (dose(expiry=(TODAY - timedelta(days=1)).isoformat()), "expiry"),
    (dose(product="nope"), "product"),
    (dose(lot=""), "lot"),
    (dose(site=["LA"]), "site"),
    (dose(dose_ml="1e309"), "dose_ml"),
    (dose(given_at="2026-02-30T09:00"), "given_at"),
    (dose(aefi={"event": "Sốt", "seriousness": "serious"}), "severity"),
    ([1, 2], "$"),
])  # fmt: skip
def test_malformed_doses_are_refused_naming_the_field(world: ImmunisationWorld,
                                                      client: TestClient, body: object,
                                                      field: str) -> None:  # fmt: skip
    child = world.ids["child"]
    answer = world.nurse.post(f"{API}/children/{child}/doses", json=body)
    assert answer.status_code == 400, answer.text
    assert field in answer.text
    assert _immunizations(client, child) == 0


def test_broken_and_enormous_bodies(world: ImmunisationWorld, client: TestClient) -> None:
    child, nurse = world.ids["child"], world.nurse
    broken = nurse.post(f"{API}/children/{child}/doses", content=b'{"lot": ',
                        headers={"Content-Type": "application/json"})  # fmt: skip
    assert broken.status_code == 400
    huge = nurse.post(f"{API}/children/{child}/doses", json=dose(observation_note="x" * 40_000))
    assert huge.status_code == 413
    assert nurse.get(f"{API}/children/{child}?on=yesterday").status_code == 400
    assert nurse.get(f"{API}/coverage?ward=1&birth_year=2026").status_code == 400
    assert nurse.get(f"{API}/export?month=2026-13").status_code == 400
    assert nurse.get(f"{API}/children/{'x' * 200}").status_code == 400
    assert nurse.get(f"{API}/children/{child}?on=9999-12-31").status_code == 400
    assert nurse.post(f"{API}/aefi-reports/99999999999/sent").status_code == 400
    assert nurse.post(f"{API}/aefi-reports/999999999/sent").status_code == 404  # fits: absent
    assert nurse.post(f"{API}/aefi-reports/1e3/sent").status_code == 400
    big = nurse.post(f"{API}/cohorts", content=b"ward,birth_year,children\n" * 40_000,
                     headers={"Content-Type": "text/csv"})  # fmt: skip
    assert big.status_code in (403, 413)  # a station may not load cohorts at all
    csv = {"Content-Type": "text/csv"}
    assert client.post(f"{API}/cohorts", content=b"ward,birth_year,children\n" * 40_000,
                       headers=csv).status_code == 413  # fmt: skip
    bad = client.post(f"{API}/cohorts", headers=csv,
                      content=b"ward,birth_year,children\n26740,2025,-3\n")  # fmt: skip
    assert bad.status_code == 400 and "Dòng 2" in bad.json()["issue"][0]["diagnostics"]
    good = client.post(f"{API}/cohorts", content=b"ward,birth_year,children\n26740,2025,41\n",
                       headers=csv)  # fmt: skip
    assert good.json() == {"stored": 1}
    lot = {"product": "http://hl7.org/fhir/sid/cvx|102", "lot": "x" * 300, "status": "flagged",
           "reason": "test"}  # fmt: skip
    assert nurse.post(f"{API}/lots", json=lot).status_code == 400
    assert _immunizations(client, child) == 0


def test_another_wards_child_is_not_there(world: ImmunisationWorld, client: TestClient) -> None:
    nurse, other = world.nurse, world.ids["other"]
    hidden = nurse.get(f"{API}/children/{other}")
    absent = nurse.get(f"{API}/children/no-such-child")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["issue"][0]["code"] == absent.json()["issue"][0]["code"]
    assert nurse.post(f"{API}/children/{other}/doses", json=dose()).status_code == 404
    page = nurse.get(f"/programmes/immunisation/children/{other}")
    assert page.status_code == 404
    assert _immunizations(client, other) == 0
    assert nurse.get(f"{API}/coverage?ward={OTHER_WARD}&birth_year=2026").status_code == 404
    assert nurse.get(f"{API}/export?month=2026-01&ward={OTHER_WARD}").status_code == 404


def test_coverage_and_the_national_export(world: ImmunisationWorld) -> None:
    nurse, child = world.nurse, world.ids["child"]
    assert nurse.post(f"{API}/children/{child}/doses", json=dose()).status_code == 201
    world.recompute()
    cohort = (TODAY - timedelta(days=150)).year
    rows = nurse.get(f"{API}/coverage?ward={WARD}&birth_year={cohort}").json()["rows"]
    first = next(r for r in rows if (r["antigen"], r["dose"]) == ("diphtheria", 1))
    assert (first["vaccinated"], first["denominator"], first["basis"]) == (1, 2, "registered")
    assert first["coverage"] == 0.5
    month = TODAY.isoformat()[:7]
    as_csv = nurse.get(f"{API}/export?month={month}")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    header = as_csv.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["Mã đối tượng", "Họ và tên", "Ngày sinh"] and len(header) == 45
    as_json = nurse.get(f"{API}/export?month={month}&format=json").json()
    assert len(as_json["rows"]) == 1 and as_json["rows"][0]["so_lo"] == "PENTA-2612"
    mandatory = [f.key for f in dataset_fields() if f.mandatory]
    assert [k for k in mandatory if not as_json["rows"][0][k]] == []  # complete
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(nurse.get(f"{API}/export?month={month}&format=xlsx").content))
    sheet = book.active
    assert sheet is not None and sheet.max_row == 2 and sheet.cell(1, 24).value == "Số lô"
    assert nurse.get(f"{API}/export?month=2020-01&format=json").json()["rows"] == []


def test_the_pages_record_a_dose(world: ImmunisationWorld) -> None:
    nurse, child = world.nurse, world.ids["child"]
    world.recompute()
    resident = nurse.get(f"/programmes/patients/{child}")  # the framework's resident page
    assert f'href="/programmes/immunisation/children/{child}"' in resident.text
    # the framework's due list carries the programme's items: this ward's children only
    due = nurse.get(f"/api/programmes/immunisation/due?status=overdue&ward={WARD}").json()
    patients = {row["patient"] for row in due["due"]}
    assert patients == {child, world.ids["third"]}
    assert "bcg-1" in {row["activity"] for row in due["due"]}
    assert nurse.get("/programmes/immunisation/due").status_code == 200
    page = nurse.get(f"/programmes/immunisation/children/{child}")
    assert page.status_code == 200 and "Buổi tiêm chủng" in page.text
    coverage = nurse.get(f"/programmes/immunisation/coverage?ward={WARD}&birth_year=2026")
    assert coverage.status_code == 200 and "Tỷ lệ tiêm chủng" in coverage.text
    assert nurse.get("/programmes/immunisation/aefi").status_code == 200
