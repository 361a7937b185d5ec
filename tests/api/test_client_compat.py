"""Issue 13: what the common FHIR clients send must work unchanged (in process; the
libraries themselves, against a real server, are in test_attack_live.py)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import FHIR_JSON, bearer, create, create_id
from tests.builders.patient import patient


def _operation(kind: str, path: str, **parts: Any) -> dict[str, Any]:
    part = [{"name": "type", "valueCode": kind}, {"name": "path", "valueString": path}]
    for name, value in parts.items():
        part.append({"name": name, **value})
    return {"name": "operation", "part": part}


# -- 10. trailing slashes ----------------------------------------------------------------
def test_a_transaction_posted_to_fhir_slash_is_processed(client: TestClient) -> None:
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": patient(), "request": {"method": "POST", "url": "Patient"}}]}  # fmt: skip
    response = client.post("/fhir/", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "transaction-response"


@pytest.mark.backend_independent
def test_a_read_with_a_trailing_slash_is_the_read(client: TestClient) -> None:
    pid = create_id(client, patient())
    plain, slashed = client.get(f"/fhir/Patient/{pid}"), client.get(f"/fhir/Patient/{pid}/")
    assert slashed.status_code == 200
    assert slashed.content == plain.content


# -- 11. unknown _-parameters --------------------------------------------------------------
@pytest.mark.backend_independent
def test_an_unknown_underscore_parameter_is_ignored_and_listed(client: TestClient) -> None:
    create_id(client, patient())
    response = client.get("/fhir/Patient", params={"_totalMethod": "count", "_summary": "count"})
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert bundle["total"] == 1
    outcomes = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert outcomes[0]["resource"]["issue"][0]["expression"] == ["_totalMethod"]


@pytest.mark.backend_independent
def test_strict_handling_still_refuses_it(client: TestClient) -> None:
    response = client.get("/fhir/Patient", params={"_totalMethod": "count"},
                          headers={"Prefer": "handling=strict"})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["_totalMethod"]


@pytest.mark.backend_independent
def test_a_misspelt_ordinary_parameter_is_refused_by_default(client: TestClient) -> None:
    """`famly=` ignored would list every resident: only `_`-parameters are let go."""
    assert client.get("/fhir/Patient", params={"famly": "Nguyễn"}).status_code == 400
    lenient = client.get("/fhir/Patient", params={"famly": "x"},
                         headers={"Prefer": "handling=lenient"})  # fmt: skip
    assert lenient.status_code == 200


@pytest.mark.backend_independent
def test_has_is_refused_however_lenient(client: TestClient) -> None:
    response = client.get("/fhir/Patient", params={"_has:Observation:patient:code": "1"},
                          headers={"Prefer": "handling=lenient"})  # fmt: skip
    assert response.status_code == 400


# -- 12. PATCH ------------------------------------------------------------------------------
def test_fhirpath_patch_as_r4_defines_it(client: TestClient) -> None:
    pid = create_id(client, patient(given=("Văn", "An")))
    body = {"resourceType": "Parameters", "parameter": [
        _operation("replace", "Patient.gender", value={"valueCode": "female"}),
        _operation("insert", "Patient.name[0].given", index={"valueInteger": 0},
                   value={"valueString": "Thị"}),
        _operation("delete", "Patient.name[0].given.where($this = 'Văn')"),
        _operation("add", "Patient", name={"valueString": "active"},
                   value={"valueBoolean": True}),
        _operation("add", "Patient", name={"valueString": "telecom"}, value={"part": [
            {"name": "system", "valueCode": "phone"},
            {"name": "value", "valueString": "0901234567"}]}),
    ]}  # fmt: skip
    response = client.patch(f"/fhir/Patient/{pid}", json=body, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    stored = client.get(f"/fhir/Patient/{pid}").json()
    assert stored["gender"] == "female"
    assert stored["name"][0]["given"] == ["Thị", "An"]
    assert stored["active"] is True
    assert stored["telecom"] == [{"system": "phone", "value": "0901234567"}]
    history = client.get(f"/fhir/Patient/{pid}/_history").json()
    assert history["entry"][0]["request"]["method"] == "PATCH"


def test_a_fhirpath_patch_on_a_missing_element_is_a_400_naming_the_operation(
    client: TestClient,
) -> None:
    pid = create_id(client, patient())
    replace = _operation("replace", "Patient.deceasedBoolean", value={"valueBoolean": True})
    body = {"resourceType": "Parameters", "parameter": [replace]}
    response = client.patch(f"/fhir/Patient/{pid}", json=body, headers=FHIR_JSON)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Parameters.parameter[0]"]


def test_json_patch_stays(client: TestClient) -> None:
    pid = create_id(client, patient())
    ops = [{"op": "replace", "path": "/gender", "value": "other"}]
    response = client.patch(f"/fhir/Patient/{pid}", content=json.dumps(ops).encode(),
                            headers={"Content-Type": "application/json-patch+json"})  # fmt: skip
    assert response.status_code == 200
    assert response.json()["gender"] == "other"


@pytest.mark.backend_independent
def test_merge_patch_as_application_json_is_a_415_naming_the_accepted_types(
    client: TestClient,
) -> None:
    pid = create_id(client, patient())
    response = client.patch(f"/fhir/Patient/{pid}", json={"gender": "other"},
                            headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 415
    message = response.json()["issue"][0]["diagnostics"]
    assert "application/json-patch+json" in message and "application/fhir+json" in message
    assert "Unsupported media type 'application/json'" in message


def test_a_patch_with_a_stale_if_match_is_a_412_before_it_runs(client: TestClient) -> None:
    pid = create_id(client, patient())
    client.put(f"/fhir/Patient/{pid}", json={**patient(gender="female"), "id": pid})
    failing = [{"op": "test", "path": "/gender", "value": "male"}]  # would be a 400
    response = client.patch(f"/fhir/Patient/{pid}", content=json.dumps(failing).encode(),
                            headers={"Content-Type": "application/json-patch+json",
                                     "If-Match": 'W/"1"'})  # fmt: skip
    assert response.status_code == 412


# -- 13. concurrent creates of one id ---------------------------------------------------------
def test_thirty_two_concurrent_put_creates_of_one_id(app: FastAPI) -> None:
    body = {**patient(cccd=None), "id": "one-new-id"}
    headers = {**bearer(app), **FHIR_JSON}

    def put(_: int) -> int:
        client = TestClient(app, raise_server_exceptions=False, headers=headers)
        return client.put("/fhir/Patient/one-new-id", json=body).status_code

    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = sorted(pool.map(put, range(32)))
    assert statuses == [200] * 31 + [201], statuses


def test_concurrent_puts_with_if_match_get_one_success_and_412s(app: FastAPI) -> None:
    headers = {**bearer(app), **FHIR_JSON}
    setup = TestClient(app, raise_server_exceptions=False, headers=headers)
    pid = create(setup, patient(cccd=None))["id"]
    body = {**patient(cccd=None, gender="female"), "id": pid}

    def put(_: int) -> int:
        client = TestClient(app, raise_server_exceptions=False, headers=headers)
        return client.put(f"/fhir/Patient/{pid}", json=body,
                          headers={"If-Match": 'W/"1"'}).status_code  # fmt: skip

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = sorted(pool.map(put, range(16)))
    assert statuses == [200] + [412] * 15, statuses


# -- 14. HEAD, If-None-Match, XML -----------------------------------------------------------
@pytest.mark.backend_independent
def test_head_answers_every_get_url_without_a_body(client: TestClient) -> None:
    pid = create_id(client, patient())
    for url in (f"/fhir/Patient/{pid}", "/fhir/Patient", f"/fhir/Patient/{pid}/_history",
                f"/fhir/Patient/{pid}/_history/1", "/fhir/metadata"):  # fmt: skip
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code == 200, url
        assert head.content == b""
        assert head.headers.get("etag") == got.headers.get("etag")


def test_if_none_match_with_the_current_version_is_a_304(client: TestClient) -> None:
    pid = create_id(client, patient())
    unchanged = client.get(f"/fhir/Patient/{pid}", headers={"If-None-Match": 'W/"1"'})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == 'W/"1"'
    client.put(f"/fhir/Patient/{pid}", json={**patient(gender="female"), "id": pid})
    changed = client.get(f"/fhir/Patient/{pid}", headers={"If-None-Match": 'W/"1"'})
    assert changed.status_code == 200
    assert changed.json()["gender"] == "female"


@pytest.mark.backend_independent
def test_xml_is_a_406_with_a_json_outcome(client: TestClient) -> None:
    pid = create_id(client, patient())
    for response in (
        client.get(f"/fhir/Patient/{pid}", headers={"Accept": "application/fhir+xml"}),
        client.get(f"/fhir/Patient/{pid}", params={"_format": "xml"}),
        client.get("/fhir/Patient", params={"_format": "application/fhir+xml"}),
    ):
        assert response.status_code == 406
        assert response.headers["content-type"].startswith("application/fhir+json")
        assert response.json()["resourceType"] == "OperationOutcome"
    # JSON asked for in either way, or anything a browser sends, is answered.
    for headers, params in (({"Accept": "application/fhir+json"}, {}),
                            ({"Accept": "text/html,*/*;q=0.8"}, {}),
                            ({}, {"_format": "json"})):  # fmt: skip
        assert client.get(f"/fhir/Patient/{pid}", headers=headers, params=params).status_code == 200
