"""Read, vread, create, update, patch, delete and history over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import FHIR_JSON, create
from tests.builders.patient import patient, resident


def test_create_then_read_returns_same_content_with_version_headers(client: TestClient) -> None:
    response = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON)
    assert response.status_code == 201
    created = response.json()
    assert response.headers["ETag"] == 'W/"1"'
    assert response.headers["Location"].endswith(f"/fhir/Patient/{created['id']}/_history/1")
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    read = client.get(f"/fhir/Patient/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created
    assert read.json()["name"][0]["family"] == "Nguyễn"
    assert read.headers["Last-Modified"].endswith("GMT")
    assert created["meta"]["versionId"] == "1"


def test_update_versions_and_vread(client: TestClient) -> None:
    created = create(client, patient())
    pid = created["id"]
    changed = {**created, "gender": "male", "birthDate": "1990-05-02"}
    response = client.put(f"/fhir/Patient/{pid}", json=changed, headers=FHIR_JSON)
    assert response.status_code == 200
    assert response.headers["ETag"] == 'W/"2"'
    assert client.get(f"/fhir/Patient/{pid}/_history/1").json()["birthDate"] == "1990-05-01"
    assert client.get(f"/fhir/Patient/{pid}/_history/2").json()["birthDate"] == "1990-05-02"
    assert client.get(f"/fhir/Patient/{pid}/_history/3").status_code == 404


def test_if_match_conflict_is_412_and_writes_nothing(client: TestClient) -> None:
    created = create(client, patient())
    pid = created["id"]
    stale = client.put(
        f"/fhir/Patient/{pid}",
        json={**created, "birthDate": "1991-01-01"},
        headers={**FHIR_JSON, "If-Match": 'W/"7"'},
    )
    assert stale.status_code == 412
    assert stale.json()["resourceType"] == "OperationOutcome"
    assert client.get(f"/fhir/Patient/{pid}").json()["birthDate"] == "1990-05-01"
    fresh = client.put(
        f"/fhir/Patient/{pid}",
        json={**created, "birthDate": "1991-01-01"},
        headers={**FHIR_JSON, "If-Match": 'W/"1"'},
    )
    assert fresh.status_code == 200


def test_update_with_client_id_creates(client: TestClient) -> None:
    response = client.put(
        "/fhir/Patient/bn-0001", json={**patient(), "id": "bn-0001"}, headers=FHIR_JSON
    )
    assert response.status_code == 201
    assert client.get("/fhir/Patient/bn-0001").json()["id"] == "bn-0001"


def test_delete_is_logical_read_gone_history_kept(client: TestClient) -> None:
    pid = create(client, patient())["id"]
    assert client.delete(f"/fhir/Patient/{pid}").status_code == 204
    gone = client.get(f"/fhir/Patient/{pid}")
    assert gone.status_code == 410
    assert gone.json()["issue"][0]["code"] == "deleted"
    assert client.get(f"/fhir/Patient/{pid}/_history/1").status_code == 200
    assert client.get(f"/fhir/Patient/{pid}/_history/2").status_code == 410
    history = client.get(f"/fhir/Patient/{pid}/_history").json()
    assert history["type"] == "history"
    assert [e["request"]["method"] for e in history["entry"]] == ["DELETE", "POST"]
    # The CCCD is free again once its owner is deleted.
    assert client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).status_code == 201


def test_json_patch(client: TestClient) -> None:
    pid = create(client, patient())["id"]
    ops = [{"op": "replace", "path": "/birthDate", "value": "1990-06-01"}]
    response = client.patch(
        f"/fhir/Patient/{pid}", json=ops, headers={"Content-Type": "application/json-patch+json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["birthDate"] == "1990-06-01"
    assert response.json()["meta"]["versionId"] == "2"
    history = client.get(f"/fhir/Patient/{pid}/_history").json()
    assert [e["request"]["method"] for e in history["entry"]] == ["PATCH", "POST"]
    bad = client.patch(
        f"/fhir/Patient/{pid}",
        json=[{"op": "remove", "path": "/nope"}],
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert bad.status_code == 400
    assert client.get(f"/fhir/Patient/{pid}").json()["meta"]["versionId"] == "2"


def test_conditional_create_returns_existing(client: TestClient) -> None:
    criteria = "identifier=https://fhir.hoso.hochiminhcity.gov.vn/sid/cccd|079090001234"
    first = client.post(
        "/fhir/Patient", json=patient(), headers={**FHIR_JSON, "If-None-Exist": criteria}
    )
    second = client.post(
        "/fhir/Patient", json=patient(), headers={**FHIR_JSON, "If-None-Exist": criteria}
    )
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]


def test_conditional_update_creates_then_updates(client: TestClient) -> None:
    url = "/fhir/Patient?identifier=https://fhir.hoso.hochiminhcity.gov.vn/sid/cccd|079301000077"
    body = patient(cccd="079301000077", gender="female", birth_date="2001-02-03")
    first = client.put(url, json=body, headers=FHIR_JSON)
    assert first.status_code == 201, first.text
    second = client.put(url, json={**body, "birthDate": "2001-02-04"}, headers=FHIR_JSON)
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["meta"]["versionId"] == "2"


def test_prefer_return_minimal_and_outcome(client: TestClient) -> None:
    minimal = client.post(
        "/fhir/Patient", json=patient(), headers={**FHIR_JSON, "Prefer": "return=minimal"}
    )
    assert minimal.status_code == 201
    assert minimal.content == b""
    assert "Location" in minimal.headers
    outcome = client.post(
        "/fhir/Patient",
        json=patient(cccd="079090001235"),
        headers={**FHIR_JSON, "Prefer": "return=OperationOutcome"},
    )
    assert outcome.json()["resourceType"] == "OperationOutcome"


def test_history_type_and_system_with_count_and_since(client: TestClient) -> None:
    ids = [create(client, resident(i))["id"] for i in range(3)]
    page = client.get("/fhir/Patient/_history", params={"_count": 2}).json()
    assert page["total"] == 3
    assert len(page["entry"]) == 2
    nxt = next(link["url"] for link in page["link"] if link["relation"] == "next")
    rest = client.get(nxt).json()
    seen = {e["resource"]["id"] for e in page["entry"] + rest["entry"]}
    assert seen == set(ids)
    system = client.get("/fhir/_history").json()
    assert system["total"] == 3
    future = client.get("/fhir/_history", params={"_since": "2999-01-01"}).json()
    assert future["total"] == 0
