"""$everything, $validate and transaction Bundles over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import FHIR_JSON, create_id
from tests.builders.clinical import condition, observation
from tests.builders.patient import patient


def test_everything_holds_only_that_residents_record(client: TestClient) -> None:
    an = create_id(client, patient())
    other = create_id(client, patient(cccd="079190000002", family="Trần", gender="female"))
    mine = {create_id(client, observation(an)), create_id(client, condition(an))}
    create_id(client, observation(other))
    bundle = client.get(f"/fhir/Patient/{an}/$everything").json()
    ids = {e["resource"]["id"] for e in bundle["entry"]}
    assert ids == mine | {an}
    only_obs = client.get(f"/fhir/Patient/{an}/$everything", params={"_type": "Observation"})
    assert {e["resource"]["resourceType"] for e in only_obs.json()["entry"]} == {"Observation"}
    assert client.get("/fhir/Patient/nobody/$everything").status_code == 404


def test_validate_reports_without_storing(client: TestClient) -> None:
    bad = {**patient(), "birthDate": "1990-02-30"}
    response = client.post("/fhir/Patient/$validate", json=bad, headers=FHIR_JSON)
    assert response.status_code == 200
    issues = response.json()["issue"]
    assert any("Patient.birthDate" in i.get("expression", []) for i in issues)
    good = client.post("/fhir/Patient/$validate", json=patient(), headers=FHIR_JSON).json()
    assert all(i["severity"] in ("information", "warning") for i in good["issue"])
    assert client.get("/fhir/Patient").json()["total"] == 0


def test_transaction_is_all_or_nothing(client: TestClient) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:0b7c5a52-0000-4000-8000-000000000001",
                "resource": patient(),
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": observation("x")
                | {"subject": {"reference": "urn:uuid:0b7c5a52-0000-4000-8000-000000000001"}},
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "resource": {**patient(cccd="079090009999"), "birthDate": "khong-phai-ngay"},
                "request": {"method": "POST", "url": "Patient"},
            },
        ],
    }
    response = client.post("/fhir", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 400
    paths = [e for i in response.json()["issue"] for e in i.get("expression", [])]
    assert any(p.startswith("Bundle.entry[2]") for p in paths), paths
    assert client.get("/fhir/_history").json()["total"] == 0
    bundle["entry"].pop()
    ok = client.post("/fhir", json=bundle, headers=FHIR_JSON)
    assert ok.status_code == 200
    statuses = [e["response"]["status"] for e in ok.json()["entry"]]
    assert statuses == ["201 Created", "201 Created"]
    obs = client.get("/fhir/Observation").json()["entry"][0]["resource"]
    assert obs["subject"]["reference"].startswith("Patient/")
