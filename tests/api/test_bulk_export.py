"""FHIR Bulk Data `$export` over HTTP: kick-off, status, files, cancel; through the
access layer (scopes, visibility, Group membership) and audited; both databases."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.bulk.runner import BulkRunner
from hoso.core import clock, jsonx
from hoso.core.settings import Settings
from hoso.store import schema
from hoso.store.jobs import SqlJobs
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.api.access_world import World
from tests.api.conftest import FHIR_JSON, bearer, create_id, principal_of
from tests.builders.clinical import observation
from tests.builders.patient import patient, resident

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, bulk_dir=str(tmp_path / "bulk"))


def kick_off(client: TestClient, path: str = "/fhir/$export", **params: str) -> str:
    response = client.get(path, params=params, headers=ASYNC)
    assert response.status_code == 202, response.text
    return response.headers["Content-Location"]


def wait(client: TestClient, status_url: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(status_url)
        if response.status_code != 202:
            return response
        assert response.headers["Retry-After"].isdigit()
        assert "X-Progress" in response.headers
        assert time.monotonic() < deadline, "export did not finish"
        time.sleep(0.05)


def export(client: TestClient, path: str = "/fhir/$export", **params: str) -> dict[str, Any]:
    response = wait(client, kick_off(client, path, **params))
    assert response.status_code == 200, response.text
    return response.json()


def files(client: TestClient, manifest: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Type → resources, read back from every file of the manifest."""
    out: dict[str, list[dict[str, Any]]] = {}
    for item in manifest["output"]:
        response = client.get(item["url"])
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/fhir+ndjson")
        lines = [jsonx.loads(line) for line in response.text.splitlines()]
        assert len(lines) == item["count"]
        assert {r["resourceType"] for r in lines} == {item["type"]}
        out.setdefault(item["type"], []).extend(lines)
    return out


def ids(found: dict[str, list[dict[str, Any]]], resource_type: str) -> set[str]:
    return {r["id"] for r in found.get(resource_type, [])}


def test_system_export_returns_every_current_resource(client: TestClient) -> None:
    p1 = create_id(client, patient(cccd="079090001111"))
    p2 = create_id(client, patient(cccd="079090002222", family="Lê"))
    obs = [create_id(client, observation(p1, value=v)) for v in (120, 130)]
    gone = create_id(client, observation(p2, value=140))
    assert client.delete(f"/fhir/Observation/{gone}").status_code == 204
    before = clock.now_us()
    manifest = export(client)
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith("/fhir/$export")
    assert manifest["error"] == []
    assert clock.from_us(before) <= _instant(manifest["transactionTime"])
    found = files(client, manifest)
    assert ids(found, "Patient") == {p1, p2}
    assert ids(found, "Observation") == set(obs)  # the deleted one left out
    for resource_type, resources in found.items():
        assert [r["id"] for r in resources] == sorted(r["id"] for r in resources)
        for resource in resources:
            stored = client.get(f"/fhir/{resource_type}/{resource['id']}").json()
            assert resource == stored


def _instant(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_type_and_since_narrow_the_export(client: TestClient) -> None:
    p1 = create_id(client, patient())
    old = create_id(client, observation(p1, value=100))
    time.sleep(0.01)
    since = clock.fhir_instant(clock.now())
    time.sleep(0.01)
    new = create_id(client, observation(p1, value=110))
    found = files(client, export(client, _type="Observation"))
    assert set(found) == {"Observation"} and ids(found, "Observation") == {old, new}
    found = files(client, export(client, _since=since))
    assert set(found) == {"Observation"} and ids(found, "Observation") == {new}
    found = files(client, export(client, _type="Patient,Observation", _since=since))
    assert set(found) == {"Observation"}


def test_files_are_split_into_parts(app: FastAPI, client: TestClient, store: SqlStore) -> None:
    bulk_dir = Path(store.settings.bulk_dir)
    app.state.bulk_runner = BulkRunner(SqlJobs(store.engine), bulk_dir, part_lines=2)
    made = {create_id(client, resident(n)) for n in range(5)}
    manifest = export(client, _type="Patient")
    names = [item["url"].rsplit("/", 1)[-1] for item in manifest["output"]]
    assert names == ["Patient.ndjson", "Patient-2.ndjson", "Patient-3.ndjson"]
    assert [item["count"] for item in manifest["output"]] == [2, 2, 1]
    assert ids(files(client, manifest), "Patient") == made


def test_patient_level_export_keeps_to_compartments(client: TestClient) -> None:
    p1 = create_id(client, patient())
    obs = create_id(client, observation(p1))
    org = create_id(client, {"resourceType": "Organization", "name": "BV"})
    found = files(client, export(client, "/fhir/Patient/$export"))
    assert ids(found, "Patient") == {p1} and ids(found, "Observation") == {obs}
    assert org not in ids(found, "Organization")
    response = client.post(
        "/fhir/Patient/$export",
        json={
            "resourceType": "Parameters",
            "parameter": [{"name": "patient", "valueReference": {"reference": "Patient/none"}}],
        },
        headers={**ASYNC, **FHIR_JSON},
    )
    assert response.status_code == 202, response.text
    manifest = wait(client, response.headers["Content-Location"]).json()
    assert manifest["output"] == [] and "patient=Patient%2Fnone" in manifest["request"]


def _group(world: World, *members: str) -> str:
    return create_id(
        world.operator,
        {
            "resourceType": "Group",
            "type": "person",
            "actual": True,
            "member": [{"entity": {"reference": f"Patient/{world.ids[m]}"}} for m in members],
        },
    )


def test_group_export_holds_only_what_the_caller_may_see(world: World) -> None:
    w = world.ids
    group = _group(world, "p1", "p2", "p3")
    path = f"/fhir/Group/{group}/$export"
    everything = files(world.operator, export(world.operator, path))
    assert ids(everything, "Patient") == {w["p1"], w["p2"], w["p3"]}  # not the child
    assert w["obsChild"] not in ids(everything, "Observation")

    facility_a = world.facility("79001")
    found = files(facility_a, export(facility_a, path))
    assert ids(found, "Patient") == {w["p1"]}  # p2 and p3 are not in care at A
    assert w["obsA1"] in ids(found, "Observation")
    assert not {w["obsB2"], w["obsP3"], w["obsChild"]} & ids(found, "Observation")
    assert w["hivB1"] not in ids(found, "Condition")  # labelled, written by B
    for resource_type, resources in found.items():  # each one readable by A, as is
        for resource in resources:
            got = facility_a.get(f"/fhir/{resource_type}/{resource['id']}")
            assert got.status_code == 200 and got.json() == resource

    hidden = _group(world, "p2")  # its compartment is p2's: not visible to A
    response = facility_a.get(f"/fhir/Group/{hidden}/$export", headers=ASYNC)
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    ("role", "claims"),
    [
        ("resident", {"patient": "p1"}),
        ("clinician", {"facility": "79001"}),
        ("officer", {"scopes": "system/*.rs"}),
    ],
)
def test_patient_user_and_officer_tokens_are_refused(
    world: World, role: str, claims: dict[str, str]
) -> None:
    if "patient" in claims:
        claims = {**claims, "patient": world.ids[claims["patient"]]}
    client = world.as_role(role, **claims)
    for path in ("/fhir/$export", "/fhir/Patient/$export"):
        response = client.get(path, headers=ASYNC)
        assert response.status_code == 403, response.text
        assert response.json()["issue"][0]["code"] == "forbidden"


def test_a_type_outside_the_scopes_is_refused(app: FastAPI) -> None:
    headers = {**bearer(app, scopes=("system/Patient.rs",)), **ASYNC}
    with TestClient(app, raise_server_exceptions=False, headers=headers) as limited:
        assert limited.get("/fhir/$export", params={"_type": "Observation"}).status_code == 403
        manifest = export(limited)
        assert {item["type"] for item in manifest["output"]} <= {"Patient"}


def test_status_and_files_answer_only_their_owner(app: FastAPI, client: TestClient) -> None:
    create_id(client, patient())
    status_url = kick_off(client)
    manifest = wait(client, status_url).json()
    file_url = manifest["output"][0]["url"]
    other = bearer(app, subject="operator:someone-else")
    with TestClient(app, raise_server_exceptions=False, headers=other) as stranger:
        for url in (status_url, file_url):
            response = stranger.get(url)
            assert response.status_code == 404
            assert response.json()["resourceType"] == "OperationOutcome"
        assert stranger.delete(status_url).status_code == 404
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        assert anonymous.get(status_url).status_code == 401
        assert anonymous.get(file_url).status_code == 401
    assert client.get(file_url.rsplit("/", 1)[0] + "/..%2Fhoso.db").status_code == 404
    assert client.get(status_url.rsplit("/", 1)[0] + "/nope").status_code == 404


@pytest.mark.parametrize(
    ("params", "headers", "expression"),
    [
        ({}, {}, "Prefer"),
        ({"_since": "yesterday"}, ASYNC, "_since"),
        ({"_since": "2026-02-30T00:00:00Z"}, ASYNC, "_since"),
        ({"_type": "Patient,Spaceship"}, ASYNC, "_type"),
        ({"_outputFormat": "text/csv"}, ASYNC, "_outputFormat"),
        ({"_typeFilter": "Patient?gender=female"}, ASYNC, "_typeFilter"),
    ],
)
def test_bad_kick_offs_answer_400_with_the_element(
    client: TestClient, params: dict[str, str], headers: dict[str, str], expression: str
) -> None:
    response = client.get("/fhir/$export", params=params, headers=headers)
    assert response.status_code == 400, response.text
    issue = response.json()["issue"][0]
    assert issue["expression"] == [expression]
    assert " / " in issue["diagnostics"]  # Vietnamese, then English


def test_cancel_removes_the_job_and_its_files(client: TestClient, store: SqlStore) -> None:
    create_id(client, patient())
    status_url = kick_off(client)
    job_id = status_url.rsplit("/", 1)[-1]
    response = client.delete(status_url)
    assert response.status_code == 202
    assert client.get(status_url).status_code == 404
    assert client.delete(status_url).status_code == 404
    time.sleep(0.2)  # a worker that was running stops at its next heartbeat
    assert not (Path(store.settings.bulk_dir) / job_id).exists()


def test_a_job_whose_server_stopped_is_reported_failed(
    app: FastAPI, client: TestClient, store: SqlStore, operator_authorization: str
) -> None:
    owner = principal_of(app, operator_authorization).owner
    job = SqlJobs(store.engine).create("export", owner, {"url": "x"})
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(schema.bulk_job)
            .where(schema.bulk_job.c.id == job.id)
            .values(status="in-progress", updated=clock.now_us() - 3_600_000_000)
        )
    response = client.get(f"/fhir/$export-status/{job.id}")
    assert response.status_code == 500
    assert "kick off again" in response.json()["issue"][0]["diagnostics"]


def _events(store: SqlStore, subtype: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(schema.audit_event.c.content)
            .where(schema.audit_event.c.subtype == subtype)
            .order_by(schema.audit_event.c.seq)
        )
        return [jsonx.loads(row.content) for row in rows]


def test_kick_off_completion_download_and_refusal_are_audited(
    app: FastAPI, client: TestClient, store: SqlStore
) -> None:
    pid = create_id(client, patient())
    manifest = export(client, _type="Patient")
    files(client, manifest)
    resident = bearer(app, role="resident", scopes=("patient/*.rs",), patient=pid)
    with TestClient(app, raise_server_exceptions=False, headers=resident) as person:
        assert person.get("/fhir/$export", headers=ASYNC).status_code == 403
    kick, done, refused = _events(store, "export")
    assert (kick["action"], kick["outcome"], kick["outcomeDesc"]) == ("E", "0", "kick-off")
    assert kick["entity"][-1]["description"].endswith("/fhir/$export?_type=Patient")
    assert (done["action"], done["outcome"]) == ("R", "0")
    what = [e["what"]["reference"] for e in done["entity"] if "what" in e]
    assert f"Patient/{pid}" in what
    assert manifest["output"][0]["url"] in what
    assert refused["outcome"] == "4" and refused["outcomeDesc"] == "403 Forbidden"
    (download,) = _events(store, "export-download")
    assert download["entity"][0]["what"]["reference"] == manifest["output"][0]["url"]
    assert SqlAuditLog(store).verify().intact


def test_export_operations_are_in_the_capability_statement(client: TestClient) -> None:
    rest = client.get("/fhir/metadata").json()["rest"][0]
    assert any(op["name"] == "export" for op in rest["operation"])
    by_type = {r["type"]: r for r in rest["resource"]}
    for resource_type in ("Patient", "Group"):
        names = [op["definition"] for op in by_type[resource_type].get("operation", [])]
        assert any(url.endswith(f"{resource_type.lower()}-export") for url in names)
