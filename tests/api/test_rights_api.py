"""Data-subject rights over the real app, on both databases: residents file and follow
their requests, the DPO works the overdue list, and the consent log keeps every
version of every Consent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access.data_requests import ACK_EXTENSION, CODE_SYSTEM, KINDS, RequestInput
from hoso.access.data_requests import build_request_task as build_task
from hoso.core import clock
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON, bearer, create, create_id
from tests.builders.clinical import condition, observation
from tests.builders.patient import patient

OUTCOME = "OperationOutcome"


def as_role(app: FastAPI, role: str, scopes: tuple[str, ...], **claims: Any) -> TestClient:
    return TestClient(
        app, raise_server_exceptions=False, headers=bearer(app, role=role, scopes=scopes, **claims)
    )


def resident(app: FastAPI, patient_id: str) -> TestClient:
    return as_role(app, "resident", ("patient/*.cruds",), patient=patient_id)


def dpo(app: FastAPI) -> TestClient:
    # Broad scopes on purpose: the role alone keeps the DPO to Task and Consent.
    return as_role(app, "dpo", ("user/*.cruds",))


def request_body(kind: str, description: str = "Yêu cầu của tôi", **focus: str) -> dict:
    parameters: list[dict[str, Any]] = [
        {"name": "kind", "valueCode": kind},
        {"name": "description", "valueString": description},
    ]
    if focus:
        parameters.append({"name": "focus", "valueReference": {"reference": focus["ref"]}})
    return {"resourceType": "Parameters", "parameter": parameters}


def file(client: TestClient, patient_id: str, body: dict) -> Any:
    return client.post(f"/fhir/Patient/{patient_id}/$data-request", json=body, headers=FHIR_JSON)


def tasks_written(store: SqlStore) -> int:
    """Tasks in the database, counted on the store itself: no role may list them all."""
    with store.unit_of_work(write=False) as session:
        return session.search("Task", [("_count", "1000")]).total or 0


@pytest.fixture
def two_residents(client: TestClient) -> tuple[str, str]:
    a = create_id(client, patient(cccd="079090001234", given=("Văn", "An")))
    b = create_id(client, patient(cccd="079185004321", given=("Thị", "Bình"), gender="female"))
    return a, b


# -- filing -----------------------------------------------------------------------------


def test_resident_files_each_kind(app: FastAPI, two_residents: tuple[str, str]) -> None:
    a, _ = two_residents
    with resident(app, a) as me:
        for kind in KINDS:
            response = file(me, a, request_body(kind))
            assert response.status_code == 201, response.text
            assert response.headers["Location"].startswith("http://testserver/fhir/Task/")
            task = response.json()
            assert task["resourceType"] == "Task"
            assert (task["status"], task["intent"]) == ("requested", "order")
            assert task["code"]["coding"][0] == {
                "system": CODE_SYSTEM,
                "code": kind,
                "display": KINDS[kind].display,
            }
            assert task["for"] == task["requester"] == {"reference": f"Patient/{a}"}
            assert task["restriction"]["period"]["end"] > task["authoredOn"]
            assert task["extension"][0]["url"] == ACK_EXTENSION
            assert task["meta"]["source"] == f"urn:hoso:patient:{a}"  # stamped by access


def test_focus_must_be_in_the_residents_record(
    app: FastAPI, client: TestClient, two_residents: tuple[str, str]
) -> None:
    a, b = two_residents
    mine = create_id(client, observation(a))
    theirs = create_id(client, observation(b))
    with resident(app, a) as me:
        ok = file(me, a, request_body("correction", ref=f"Observation/{mine}"))
        assert ok.status_code == 201, ok.text
        assert ok.json()["focus"] == {"reference": f"Observation/{mine}"}
        hidden = file(me, a, request_body("correction", ref=f"Observation/{theirs}"))
        assert hidden.status_code == 404
        assert hidden.json()["resourceType"] == OUTCOME


def test_deletion_is_answered_with_the_retention_period(
    app: FastAPI, client: TestClient, two_residents: tuple[str, str]
) -> None:
    a, _ = two_residents
    create(
        client,
        {
            "resourceType": "Encounter",
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "IMP",
            },
            "subject": {"reference": f"Patient/{a}"},
            "period": {"start": "2024-03-10T08:00:00+07:00", "end": "2024-03-15T10:00:00+07:00"},
        },
    )
    create(client, condition(a, icd10="F20.0", text="Tâm thần phân liệt"))
    with resident(app, a) as me:
        response = file(me, a, request_body("deletion", "Xoá toàn bộ hồ sơ"))
    assert response.status_code == 201, response.text
    reason = response.json()["statusReason"]["text"]
    assert reason.startswith("Từ chối xoá: hồ sơ bệnh án tâm thần phải lưu trữ 20 năm")
    assert "được lưu đến hết ngày 15/03/2044 / Deletion refused" in reason


def test_guardian_files_for_a_child_as_the_related_person(app: FastAPI, client: TestClient) -> None:
    parent_cccd = "079185004321"
    parent = create_id(client, patient(cccd=parent_cccd, given=("Thị", "Mai"), gender="female"))
    child = create_id(client, patient(cccd=None, given=("Minh",), birth_date="2019-06-01"))
    guardian = create_id(
        client,
        {
            "resourceType": "RelatedPerson",
            "patient": {"reference": f"Patient/{child}"},
            "identifier": [{"system": DEFAULT_CCCD_SYSTEM, "value": parent_cccd}],
            "relationship": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                            "code": "MTH",
                        }
                    ]
                }
            ],
        },
    )
    with resident(app, parent) as me:
        response = file(me, child, request_body("access", "Xem hồ sơ tiêm chủng của con"))
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["for"] == {"reference": f"Patient/{child}"}
    assert task["requester"] == {"reference": f"RelatedPerson/{guardian}"}


def test_another_resident_cannot_file_for_someone_else(
    app: FastAPI, store: SqlStore, two_residents: tuple[str, str]
) -> None:
    a, b = two_residents
    with resident(app, b) as other:
        response = file(other, a, request_body("access"))
        listing = other.get(f"/fhir/Patient/{a}/$data-requests")
    assert response.status_code == 404
    assert response.json()["resourceType"] == OUTCOME
    assert tasks_written(store) == 0
    assert listing.status_code == 404
    assert listing.json()["resourceType"] == OUTCOME


def test_resident_lists_own_requests_with_deadlines(
    app: FastAPI, two_residents: tuple[str, str]
) -> None:
    a, b = two_residents
    with resident(app, a) as me, resident(app, b) as other:
        for kind in KINDS:
            assert file(me, a, request_body(kind)).status_code == 201
        assert file(other, b, request_body("access")).status_code == 201
        response = me.get(f"/fhir/Patient/{a}/$data-requests")
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert bundle["type"] == "searchset"
    tasks = [e["resource"] for e in bundle["entry"]]
    assert sorted(t["code"]["coding"][0]["code"] for t in tasks) == sorted(KINDS)
    assert {t["for"]["reference"] for t in tasks} == {f"Patient/{a}"}
    assert all(t["restriction"]["period"]["end"] and t["extension"] for t in tasks)


# -- the DPO ----------------------------------------------------------------------------


def seeded_task(patient_id: str, kind: str, days_ago: int, status: str = "requested") -> dict:
    received = clock.now() - timedelta(days=days_ago)
    task = build_task(
        patient_id=patient_id,
        request=RequestInput(kind, "Yêu cầu cũ"),
        requester=f"Patient/{patient_id}",
        received=received,
    )
    return {**task, "status": status}


def test_dpo_sees_overdue_requests_and_acknowledges_one(
    app: FastAPI, client: TestClient, two_residents: tuple[str, str]
) -> None:
    a, b = two_residents
    late = create(client, seeded_task(a, "access", days_ago=30))
    create(client, seeded_task(b, "access", days_ago=30, status="completed"))
    create(client, seeded_task(b, "deletion", days_ago=0))  # deadlines still ahead
    with dpo(app) as officer:
        response = officer.get("/fhir/$data-requests-overdue")
        assert response.status_code == 200, response.text
        [entry] = response.json()["entry"]
        assert entry["resource"]["id"] == late["id"]
        missed = {e["valueCode"] for e in entry["search"]["extension"]}
        assert missed == {"acknowledgement", "response"}

        acknowledged = {**entry["resource"], "status": "received"}
        put = officer.put(f"/fhir/Task/{late['id']}", json=acknowledged, headers=FHIR_JSON)
        assert put.status_code == 200, put.text
        [entry] = officer.get("/fhir/$data-requests-overdue").json()["entry"]
        assert {e["valueCode"] for e in entry["search"]["extension"]} == {"response"}


def test_dpo_reads_no_records(
    app: FastAPI, client: TestClient, two_residents: tuple[str, str]
) -> None:
    a, _ = two_residents
    obs = create_id(client, observation(a))
    with dpo(app) as officer:
        for path in (f"/fhir/Observation/{obs}", f"/fhir/Patient/{a}"):
            response = officer.get(path)
            assert response.status_code == 403, path
            assert response.json()["issue"][0]["code"] == "forbidden"
        filed = file(officer, a, request_body("access"))
    assert filed.status_code == 403


# -- the consent log --------------------------------------------------------------------


def consent(patient_id: str) -> dict:
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient_id}"},
        "dateTime": "2026-11-02T09:00:00+07:00",
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}
            ]
        },
        "provision": {
            "type": "permit",
            "purpose": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}
            ],
        },
    }


def test_consent_log_shows_a_consent_given_then_withdrawn(
    app: FastAPI, two_residents: tuple[str, str]
) -> None:
    a, b = two_residents
    with resident(app, a) as me:
        given = me.post("/fhir/Consent", json=consent(a), headers=FHIR_JSON)
        assert given.status_code == 201, given.text
        withdrawn = {**given.json(), "status": "inactive"}
        put = me.put(f"/fhir/Consent/{withdrawn['id']}", json=withdrawn, headers=FHIR_JSON)
        assert put.status_code == 200, put.text
        log = me.get(f"/fhir/Patient/{a}/$consent-log")
    assert log.status_code == 200, log.text
    bundle = log.json()
    assert (bundle["type"], bundle["total"]) == ("history", 2)
    newest, oldest = bundle["entry"]
    assert (newest["resource"]["status"], newest["request"]["method"]) == ("inactive", "PUT")
    assert (oldest["resource"]["status"], oldest["request"]["method"]) == ("active", "POST")
    assert newest["response"]["etag"] == 'W/"2"' and oldest["response"]["etag"] == 'W/"1"'

    with dpo(app) as officer:
        assert officer.get(f"/fhir/Patient/{a}/$consent-log").json()["total"] == 2
    with resident(app, b) as other:
        hidden = other.get(f"/fhir/Patient/{a}/$consent-log").json()
    assert hidden["total"] == 0 and "entry" not in hidden


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expression"),
    [
        (
            {"resourceType": "Parameters", "parameter": [{"name": "description",
                                                          "valueString": "x"}]},
            "Parameters.parameter.where(name='kind')",
        ),
        (request_body("forget-me"), "Parameters.parameter[0].valueCode"),
        (request_body("access", ref="not a reference"),
         "Parameters.parameter[2].valueReference.reference"),
        ({"resourceType": "Patient"}, "Parameters"),
    ],
)  # fmt: skip
def test_malformed_parameters_are_a_400_naming_the_parameter(
    app: FastAPI,
    store: SqlStore,
    two_residents: tuple[str, str],
    body: dict,
    expression: str,
) -> None:
    a, _ = two_residents
    with resident(app, a) as me:
        response = file(me, a, body)
    assert response.status_code == 400, response.text
    outcome = response.json()
    assert outcome["resourceType"] == OUTCOME
    [issue] = outcome["issue"]
    assert issue["expression"] == [expression]
    assert " / " in issue["diagnostics"]  # Vietnamese first, then English
    assert tasks_written(store) == 0


def test_a_body_that_is_not_json_is_a_400(app: FastAPI, two_residents: tuple[str, str]) -> None:
    a, _ = two_residents
    with resident(app, a) as me:
        response = me.post(
            f"/fhir/Patient/{a}/$data-request", content=b"{kind: access", headers=FHIR_JSON
        )
        count = me.get(f"/fhir/Patient/{a}/$data-requests?_count=0")
    assert response.status_code == 400
    assert response.json()["resourceType"] == OUTCOME
    assert count.status_code == 400
    assert count.json()["issue"][0]["expression"] == ["_count"]
