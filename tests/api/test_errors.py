"""Bad input gets a precise OperationOutcome, never a 500 and never a partial write."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import FHIR_JSON
from tests.builders.clinical import observation
from tests.builders.patient import patient


def _outcome(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return body


def _nothing_stored(client: TestClient) -> None:
    assert client.get("/fhir/Patient").json().get("total") == 0
    assert client.get("/fhir/_history").json()["total"] == 0


@pytest.mark.backend_independent
def test_malformed_json(client: TestClient) -> None:
    response = client.post("/fhir/Patient", content=b'{"resourceType": "Pat', headers=FHIR_JSON)
    assert response.status_code == 400
    assert "JSON" in _outcome(response)["issue"][0]["diagnostics"]
    _nothing_stored(client)


@pytest.mark.backend_independent
def test_wrong_resource_type(client: TestClient) -> None:
    response = client.post("/fhir/Patient", json={"resourceType": "Observation"}, headers=FHIR_JSON)
    assert response.status_code == 400
    assert _outcome(response)["issue"][0]["expression"] == ["resourceType"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"birthDate": "1990-13-45"}, "Patient.birthDate"),
        ({"colour": "blue"}, "Patient.colour"),
        ({"gender": 7}, "Patient.gender"),
        ({"meta": "x"}, "Patient.meta"),
        ({"meta": {"security": "x"}}, "Patient.meta.security"),
    ],
)
@pytest.mark.backend_independent
def test_invalid_element_named_by_path(client: TestClient, change: dict, path: str) -> None:
    response = client.post("/fhir/Patient", json={**patient(), **change}, headers=FHIR_JSON)
    assert response.status_code == 400
    expressions = [e for i in _outcome(response)["issue"] for e in i.get("expression", [])]
    assert path in expressions
    _nothing_stored(client)


@pytest.mark.backend_independent
def test_unsupported_media_type(client: TestClient) -> None:
    response = client.post(
        "/fhir/Patient", content=b"<Patient/>", headers={"Content-Type": "application/fhir+xml"}
    )
    assert response.status_code == 415
    _outcome(response)


@pytest.mark.backend_independent
def test_oversize_body_is_413(client: TestClient) -> None:
    big = patient(
        text={"status": "generated", "div": "<div>" + "x" * (17 * 1024 * 1024) + "</div>"}
    )
    response = client.post("/fhir/Patient", json=big, headers=FHIR_JSON)
    assert response.status_code == 413
    _outcome(response)
    _nothing_stored(client)


def test_unknown_type_and_missing_resource(client: TestClient) -> None:
    assert client.get("/fhir/Spaceship/1").status_code == 404
    missing = client.get("/fhir/Patient/does-not-exist")
    assert missing.status_code == 404
    assert _outcome(missing)["issue"][0]["code"] == "not-found"


def test_unresolved_reference_rejected(client: TestClient) -> None:
    response = client.post("/fhir/Observation", json=observation("nobody"), headers=FHIR_JSON)
    assert response.status_code == 400
    issue = _outcome(response)["issue"][0]
    assert issue["expression"] == ["Observation.subject.reference"]
    assert client.get("/fhir/Observation").json()["total"] == 0


@pytest.mark.backend_independent
def test_update_id_mismatch(client: TestClient) -> None:
    response = client.put("/fhir/Patient/a", json={**patient(), "id": "b"}, headers=FHIR_JSON)
    assert response.status_code == 400
    assert _outcome(response)["issue"][0]["expression"] == ["Patient.id"]
