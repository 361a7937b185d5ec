"""Residents keyed by CCCD: hard 12-digit rule, structural warnings, one active owner."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from fastapi.testclient import TestClient

from hoso.store import schema
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON
from tests.builders.patient import patient


def test_cccd_must_be_12_digits(client: TestClient) -> None:
    for bad in ("07909000123", "0790900012345", "07909000123A"):
        response = client.post("/fhir/Patient", json=patient(cccd=bad), headers=FHIR_JSON)
        assert response.status_code == 400, bad
        paths = [e for i in response.json()["issue"] for e in i.get("expression", [])]
        assert any(p.startswith("Patient.identifier[0]") for p in paths)


def test_structure_mismatch_is_accepted_with_a_kept_warning(
    client: TestClient, store: SqlStore
) -> None:
    # 079 3 01: a woman born in 2001, but the record says a man born in 1990.
    response = client.post(
        "/fhir/Patient",
        json=patient(cccd="079301000001"),
        headers={**FHIR_JSON, "Prefer": "return=OperationOutcome"},
    )
    assert response.status_code == 201
    issues = response.json()["issue"]
    assert all(i["severity"] == "warning" for i in issues)
    text = " ".join(i["diagnostics"] for i in issues)
    assert "sex" in text.lower() or "giới" in text.lower()
    with store.engine.connect() as conn:
        kept = conn.execute(sa.select(schema.cccd_warning.c.cccd)).scalars().all()
    assert kept == ["079301000001"]


def test_same_cccd_and_same_person_attaches_to_the_first_record(client: TestClient) -> None:
    first = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON)
    assert first.status_code == 201
    # Another facility spells the name in capitals without diacritics: the same resident.
    again = patient(family="NGUYEN", given=("VAN", "AN"))
    second = client.post("/fhir/Patient", json=again, headers=FHIR_JSON)
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert client.get("/fhir/Patient").json()["total"] == 1


def test_same_cccd_on_another_person_is_409(client: TestClient) -> None:
    assert client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).status_code == 201
    other = patient(family="Trần", given=("Thị", "Hoa"), gender="female",
                    birth_date="1962-11-23")
    second = client.post("/fhir/Patient", json=other, headers=FHIR_JSON)
    assert second.status_code == 409
    issue = second.json()["issue"][0]
    assert issue["code"] == "duplicate"
    assert issue["expression"] == ["Patient.identifier"]
    assert client.get("/fhir/Patient").json()["total"] == 1


def test_cancelled_number_stays_in_history_and_frees_the_cccd(client: TestClient) -> None:
    first = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()
    cancelled = {
        **first,
        "identifier": [{**first["identifier"][0], "period": {"end": "2024-07-01"}}],
    }
    assert (
        client.put(f"/fhir/Patient/{first['id']}", json=cancelled, headers=FHIR_JSON).status_code
        == 200
    )
    assert client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).status_code == 201
    v1 = client.get(f"/fhir/Patient/{first['id']}/_history/1").json()
    assert "period" not in v1["identifier"][0]


def test_concurrent_creates_of_one_cccd_leave_one_patient(client: TestClient) -> None:
    def create(i: int) -> tuple[int, str]:
        response = client.post(
            "/fhir/Patient", json=patient(given=("Văn", f"An{i}")), headers=FHIR_JSON
        )
        return response.status_code, response.json()["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(create, range(16)))
    codes = [code for code, _ in answers]
    assert codes.count(201) == 1
    assert set(codes) == {201, 200}  # the others attach to the one record
    assert len({id for _, id in answers}) == 1
    assert client.get("/fhir/Patient").json()["total"] == 1


def test_a_put_create_passes_the_mpi_as_a_post_does(client: TestClient) -> None:
    """Issue 16 point 4: a HIS that creates with its own ids (PUT, or a conditional
    update matching nothing) cannot put another person on a CCCD already on file, and a
    second record of a resident on file is queued for a steward, not silently kept."""
    first = client.post("/fhir/Patient", json=patient(cccd=None), headers=FHIR_JSON)
    assert first.status_code == 201
    same = client.put("/fhir/Patient/his-123", json={**patient(cccd=None), "id": "his-123"},
                      headers=FHIR_JSON)  # fmt: skip
    assert same.status_code == 201 and same.json()["id"] == "his-123"  # the HIS's id is kept
    queue = client.get("/api/mpi/candidates").json()  # … and the pair waits for a steward
    assert {first.json()["id"], "his-123"} == {queue["candidates"][0]["a"]["reference"][8:],
                                              queue["candidates"][0]["b"]["reference"][8:]}
    with_cccd = client.post("/fhir/Patient", json=patient(cccd="079185005678", family="Lê",
                            given=("Văn", "Bình"), birth_date="1985-02-03"), headers=FHIR_JSON)
    assert with_cccd.status_code == 201
    other = patient(cccd="079185005678", family="Trần", given=("Thị", "Hoa"),
                    gender="female", birth_date="1962-11-23")
    clash = client.put("/fhir/Patient?identifier=urn:his|77", json=other, headers=FHIR_JSON)
    assert clash.status_code == 409
    assert clash.json()["issue"][0]["expression"] == ["Patient.identifier"]
    assert client.get("/fhir/Patient").json()["total"] == 3
