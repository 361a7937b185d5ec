"""`/api/publichealth` over HTTP, on SQLite and PostgreSQL: a notifiable diagnosis a
hospital posts through FHIR becomes a case with its deadline; the officer who answers
for the ward sees it identified and works it; another officer sees only counts, and
another officer's case answers exactly as a missing one; residents and clinicians are
refused; malformed input is a 400 or 404, never a 500."""

from __future__ import annotations

from fastapi import FastAPI

from hoso.publichealth.definitions import packaged_definitions
from tests.api.publichealth_world import OFFICER, OTHER, as_role, outbreak

__all__ = ["outbreak"]  # the fixture


def test_the_ward_officer_sees_and_works_the_case(app: FastAPI, outbreak: dict[str, str]) -> None:
    officer = as_role(app, "officer", OFFICER)
    listing = officer.get("/api/publichealth/cases").json()
    assert (listing["total_mine"], listing["total_all"]) == (1, 1)
    (case,) = listing["cases"]
    shown_fields = [case[k] for k in ("disease", "classification", "severity", "ward", "facility")]
    assert shown_fields == ["dengue", "probable", "with-warning-signs", "26740", "79001"]
    assert case["deadline"]["overdue"] is True and case["deadline"]["hours_late"] > 24
    shown = officer.get(f"/api/publichealth/cases/{case['id']}").json()
    assert shown["patient"]["id"] == outbreak["patient"]
    assert shown["patient"]["name"][0]["family"]  # identified: the person of their case
    assert officer.get(f"/fhir/Patient/{outbreak['patient']}").json()["id"] == outbreak["patient"]

    no_reason = officer.post(f"/api/publichealth/cases/{case['id']}/classification",
                             json={"classification": "confirmed"})  # fmt: skip
    assert no_reason.status_code == 400 and "reason" in no_reason.text
    confirm = {"classification": "confirmed", "reason": "NS1 dương tính"}
    done = officer.post(f"/api/publichealth/cases/{case['id']}/classification", json=confirm)
    assert done.status_code == 200 and done.json()["classification"] == "confirmed"
    assert officer.post(f"/api/publichealth/cases/{case['id']}/epi",
                        json={"colour": "red"}).status_code == 400  # fmt: skip
    epi = officer.post(f"/api/publichealth/cases/{case['id']}/epi",
                       json={"isolation_date": "2026-11-21", "vaccinated": "no"})  # fmt: skip
    assert epi.status_code == 200 and epi.json()["isolation_date"] == "2026-11-21"
    history = officer.get(f"/api/publichealth/cases/{case['id']}").json()["history"]
    assert [(h["kind"], h["agent"]) for h in history][-2:] == [
        ("classification", OFFICER), ("epi", OFFICER)]

    report = officer.get(f"/api/publichealth/cases/{case['id']}/report").json()
    assert (report["ma_benh"], report["so_cccd"], report["ma_xa_phuong"]) == (
        "dengue", "079090001234", "26740")
    bundle = officer.get(f"/api/publichealth/cases/{case['id']}/fhir").json()
    from fhir.resources.R4B.bundle import Bundle

    assert Bundle.parse_obj(bundle).entry[0].resource.type.coding[0].code == "55751-2"
    overdue = officer.get("/api/publichealth/reports/overdue").json()["facilities"]
    assert overdue == [{"facility": "79001", "reported": 1, "overdue": 1,
                        "worst_hours_late": overdue[0]["worst_hours_late"]}]  # fmt: skip


def test_another_officer_sees_counts_only_and_the_same_404(
    app: FastAPI, outbreak: dict[str, str]
) -> None:
    owner = as_role(app, "officer", OFFICER)
    case_id = owner.get("/api/publichealth/cases").json()["cases"][0]["id"]
    other = as_role(app, "officer", OTHER)
    listing = other.get("/api/publichealth/cases").json()
    assert (listing["total_mine"], listing["total_all"], listing["cases"]) == (0, 1, [])
    hidden = other.get(f"/api/publichealth/cases/{case_id}")
    absent = other.get("/api/publichealth/cases/987654")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["issue"][0]["code"] == absent.json()["issue"][0]["code"]
    for path in (f"/api/publichealth/cases/{case_id}/report",
                 f"/api/publichealth/cases/{case_id}/fhir"):  # fmt: skip
        assert other.get(path).status_code == 404
    change = other.post(f"/api/publichealth/cases/{case_id}/classification",
                        json={"classification": "discarded", "reason": "x"})  # fmt: skip
    assert change.status_code == 404
    # Without a case link, the person is a pseudonym in the FHIR view too.
    unlinked = other.get(f"/fhir/Patient/{outbreak['patient']}").json()
    assert unlinked["id"] != outbreak["patient"] and "name" not in unlinked
    assert "identifier" not in unlinked and "telecom" not in unlinked
    found = other.get("/fhir/Patient").json()["entry"]
    assert all(e["resource"]["id"] != outbreak["patient"] and "name" not in e["resource"]
               for e in found)  # fmt: skip
    # Linking oneself is not possible: only an officer of the case links another.
    assert other.post(f"/api/publichealth/cases/{case_id}/officers",
                      json={"officer": OTHER}).status_code == 404  # fmt: skip
    handed = owner.post(f"/api/publichealth/cases/{case_id}/officers", json={"officer": OTHER})
    assert handed.status_code == 200 and OTHER in handed.json()["officers"]
    assert other.get(f"/api/publichealth/cases/{case_id}").status_code == 200


def test_residents_clinicians_and_malformed_requests(
    app: FastAPI, outbreak: dict[str, str]
) -> None:
    resident = as_role(app, "resident", "account:p1", patient=outbreak["patient"])
    clinician = as_role(app, "clinician", "account:bs", facility="79001")
    for caller in (resident, clinician):
        assert caller.get("/api/publichealth/cases").status_code == 403
        assert caller.post("/api/publichealth/diseases", json={}).status_code == 403
    officer = as_role(app, "officer", OFFICER)
    for path in ("/api/publichealth/cases/abc", "/api/publichealth/cases/1/unknown",
                 "/api/publichealth/cases/99999999999999999999"):  # fmt: skip
        assert officer.get(path).status_code in (404, 405), path
    assert officer.get("/api/publichealth/cases?count=100000").status_code == 400
    assert officer.get("/api/publichealth/cases?offset=-1").status_code == 400
    assert officer.get("/api/publichealth/reports/overdue?days=x").status_code == 400
    huge = officer.post("/api/publichealth/diseases", content=b"{" + b" " * 400_000 + b"}",
                        headers={"Content-Type": "application/json"})  # fmt: skip
    assert huge.status_code == 413
    broken = officer.post("/api/publichealth/diseases", json={"code": "Bad Code"})
    assert broken.status_code == 400 and "code" in broken.text


def test_an_officer_adds_an_emerging_disease_and_it_is_versioned(
    app: FastAPI, outbreak: dict[str, str]
) -> None:
    officer = as_role(app, "officer", OFFICER)
    document = {**packaged_definitions()[0].document, "code": "nipah", "group": "A",
                "name": {"vi": "Bệnh do vi rút Nipah", "en": "Nipah virus disease"},
                "icd10": ["B33.8"], "labs": [], "severity": []}  # fmt: skip
    first = officer.post("/api/publichealth/diseases", json=document)
    second = officer.post("/api/publichealth/diseases", json={**document, "enabled": False})
    assert (first.status_code, first.json()["version"]) == (201, 1)
    assert second.json()["version"] == 2
    versions = officer.get("/api/publichealth/diseases/nipah").json()["versions"]
    assert [(v["version"], v["enabled"]) for v in versions] == [(1, True), (2, False)]
    codes = {d["code"] for d in officer.get("/api/publichealth/diseases").json()["diseases"]}
    assert {"dengue", "measles", "nipah", "tuberculosis", "cholera"} <= codes
    assert officer.get("/api/publichealth/diseases/none-such").status_code == 404


def test_the_count_of_all_cases_is_the_citys_never_a_wards(
    app: FastAPI, outbreak: dict[str, str]
) -> None:
    other = as_role(app, "officer", OTHER)
    for query in ("", "?ward=26740", "?ward=26743", "?facility=79001"):
        listing = other.get(f"/api/publichealth/cases{query}").json()
        assert (listing["total_mine"], listing["total_all"]) == (0, 1), query
    assert other.get("/api/publichealth/cases?disease=measles").json()["total_all"] == 0
