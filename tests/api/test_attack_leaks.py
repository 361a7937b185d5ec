"""Issue 13, leaks: each test is one attack an outside tester made, on both databases.

Facility B (79002) cares for p1 and p2; p3 and the child are strangers to it. Every
attack below must teach B nothing about them that B could not read.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.api.app import create_app
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.store.sql_store import SqlStore
from tests.api.access_world import (
    FACILITY_A,
    FACILITY_B,
    World,
    create,
    encounter,
)
from tests.api.conftest import FHIR_JSON, bearer
from tests.builders.clinical import observation
from tests.builders.patient import resident

P3_CCCD = "079070007777"


def only_cccd(cccd: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": [{"system": DEFAULT_CCCD_SYSTEM,
                                                        "value": cccd}]}  # fmt: skip


def _no_record_in(response: Any) -> None:
    """An answer that names a resident's id but shows nothing of the record."""
    text = response.text
    for leaked in ("Phạm", "1970-03-03", "birthDate", '"name"', "gender", "address"):
        assert leaked not in text, (leaked, text)
    assert "etag" not in {k.lower() for k in response.headers}
    assert "last-modified" not in {k.lower() for k in response.headers}


# -- 1. a create that matches another resident --------------------------------------------
def test_create_with_a_strangers_cccd_names_the_id_but_returns_no_record(world: World) -> None:
    create_only = world.as_role("facility-system", facility=FACILITY_B, client_id="his-b-c",
                                scopes="system/Patient.c")  # fmt: skip
    response = create_only.post("/fhir/Patient", json=only_cccd(P3_CCCD), headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.headers["location"].endswith(f"/fhir/Patient/{world.ids['p3']}")
    _no_record_in(response)
    assert create_only.get(f"/fhir/Patient/{world.ids['p3']}").status_code == 403
    # With full scopes but no care link the answer is the same.
    his_b = world.facility(FACILITY_B)
    again = his_b.post("/fhir/Patient", json=only_cccd(P3_CCCD),
                       headers={**FHIR_JSON, "Prefer": "return=representation"})  # fmt: skip
    assert again.status_code == 200
    _no_record_in(again)


def test_create_matching_a_resident_in_care_returns_the_record(world: World) -> None:
    his_b = world.facility(FACILITY_B)
    response = his_b.post("/fhir/Patient", json=only_cccd("079085004321"), headers=FHIR_JSON)
    assert response.status_code == 200
    assert response.json()["id"] == world.ids["p2"]
    assert response.json()["name"][0]["family"] == "Lê"


def test_if_none_exist_on_a_strangers_cccd_returns_no_record(world: World) -> None:
    his_b = world.facility(FACILITY_B)
    response = his_b.post(
        "/fhir/Patient",
        json=only_cccd(P3_CCCD),
        headers={**FHIR_JSON, "If-None-Exist": f"identifier={DEFAULT_CCCD_SYSTEM}|{P3_CCCD}"},
    )
    assert response.status_code == 200
    assert response.headers["location"].endswith(f"/Patient/{world.ids['p3']}")
    _no_record_in(response)


def test_transaction_if_none_exist_on_a_strangers_cccd_returns_no_record(world: World) -> None:
    his_b = world.facility(FACILITY_B)
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{
        "fullUrl": "urn:uuid:7a0b2b52-1f5c-4e0e-9b3e-6f2d5c1a0e11",
        "resource": only_cccd(P3_CCCD),
        "request": {"method": "POST", "url": "Patient",
                    "ifNoneExist": f"identifier={DEFAULT_CCCD_SYSTEM}|{P3_CCCD}"},
    }]}  # fmt: skip
    response = his_b.post("/fhir", json=bundle,
                          headers={**FHIR_JSON, "Prefer": "return=representation"})  # fmt: skip
    assert response.status_code == 200, response.text
    entry = response.json()["entry"][0]
    assert "resource" not in entry
    assert entry["response"]["location"] == f"Patient/{world.ids['p3']}"
    assert "etag" not in entry["response"] and "lastModified" not in entry["response"]
    _no_record_in(response)


# -- 2. opening a record by claiming care ------------------------------------------------
def test_self_claimed_encounter_opens_the_record_and_the_resident_sees_who(
    world: World,
) -> None:
    ids, his_b = world.ids, world.facility(FACILITY_B)
    assert his_b.get(f"/fhir/Observation/{ids['obsP3']}").status_code == 404
    admitted = encounter(ids["p3"], ids["orgB"], start="2026-12-01T08:00:00+07:00")
    create(his_b, {**admitted, "status": "in-progress", "period": {"start": admitted["period"][
        "start"]}})  # fmt: skip
    assert his_b.get(f"/fhir/Observation/{ids['obsP3']}").status_code == 200
    log = world.resident("p3").get(f"/fhir/Patient/{ids['p3']}/$access-log").json()
    claims = [e["resource"] for e in log["entry"]
              if e["resource"]["subtype"][0]["code"] == "care-claim"]  # fmt: skip
    assert len(claims) == 1
    note = claims[0]["outcomeDesc"]
    assert "Bệnh viện Quận 3 (79002) mở hồ sơ của bạn lúc" in note
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", note)
    # Recorded as self-claimed in the care links the policy reads.
    with world.app.state.store.engine.connect() as conn:
        import sqlalchemy as sa

        from hoso.store import schema

        flags = conn.execute(
            sa.select(schema.care_link.c.self_claimed).where(
                schema.care_link.c.patient_id == ids["p3"]
            )
        ).scalars().all()
    assert flags == [True]


def test_a_claimed_encounter_in_the_future_opens_nothing_yet(world: World) -> None:
    ids, his_b = world.ids, world.facility(FACILITY_B)
    planned = {**encounter(ids["p3"], ids["orgB"]), "status": "planned",
               "period": {"start": "2099-01-01T08:00:00+07:00"}}  # fmt: skip
    written = his_b.post("/fhir/Encounter", json=planned, headers=FHIR_JSON)
    # Not begun, so p3 is not reachable: the same answer as a patient who does not exist.
    nobody = his_b.post("/fhir/Encounter", json={**planned, "subject": {
        "reference": "Patient/no-such-person"}}, headers=FHIR_JSON)  # fmt: skip
    assert written.status_code == nobody.status_code == 400
    assert his_b.get(f"/fhir/Observation/{ids['obsP3']}").status_code == 404


@pytest.fixture
def watched(store: SqlStore, world: World) -> World:
    """The world seen through an app whose watch lets a caller open two records an
    hour, with three more strangers to facility B."""
    settings = replace(store.settings, care_claim_floor=2, care_claim_slow_seconds=600)
    app = create_app(SqlStore(store.engine, settings, store.hooks), settings)
    operator = TestClient(app, raise_server_exceptions=False, headers=bearer(app))
    watched = World(app, operator, dict(world.ids), world.clients)
    world.clients.append(operator)
    for n in range(3):
        watched.ids[f"stranger{n}"] = create(operator, resident(40 + n))
    return watched


def _burst_client(world: World) -> TestClient:
    """Facility B's system under a client id that has opened nothing yet this hour."""
    return world.as_role("facility-system", facility=FACILITY_B, client_id="his-b-burst",
                         subject="client:his-b-burst")  # fmt: skip


def test_opening_records_past_the_normal_rate_is_slowed_and_flagged(watched: World) -> None:
    ids, his_b = watched.ids, _burst_client(watched)
    for key in ("p3", "stranger0"):
        create(his_b, encounter(ids[key], ids["orgB"]))
    before = watched.operator.get("/fhir/Encounter", params={"_summary": "count"}).json()
    third = his_b.post("/fhir/Encounter", json=encounter(ids["stranger1"], ids["orgB"]),
                       headers=FHIR_JSON)  # fmt: skip
    assert third.status_code == 429, third.text
    assert 1 <= int(third.headers["retry-after"]) <= 600
    after = watched.operator.get("/fhir/Encounter", params={"_summary": "count"}).json()
    assert after["total"] == before["total"]  # the refused claim left nothing
    # Writing for a resident already in its care is not an opening: not slowed.
    assert his_b.post("/fhir/Observation", json=observation(ids["p2"]),
                      headers=FHIR_JSON).status_code == 201  # fmt: skip
    dpo = watched.as_role("dpo")
    listed = dpo.get("/api/audit/anomalies")
    assert listed.status_code == 200, listed.text
    flagged = listed.json()["anomalies"]
    assert [(a["agent"], a["facility"], a["count"], a["threshold"]) for a in flagged] == [
        ("client:his-b-burst", FACILITY_B, 3, 2)
    ]
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", flagged[0]["detected"])
    # Only the DPO (and the operator) read the list.
    assert his_b.get("/api/audit/anomalies").status_code == 403
    assert watched.clinician().get("/api/audit/anomalies").status_code == 403


def test_another_caller_is_not_slowed_by_ones_burst(watched: World) -> None:
    ids, his_b = watched.ids, _burst_client(watched)
    his_a = watched.as_role("facility-system", facility=FACILITY_A, client_id="his-a-2",
                            subject="client:his-a-2")  # fmt: skip
    for key in ("p3", "stranger0"):
        create(his_b, encounter(ids[key], ids["orgB"]))
    create(his_a, encounter(ids["stranger1"], ids["orgA"]))  # A's first opening: allowed


# -- 3. bulk export files ----------------------------------------------------------------
def test_export_job_is_not_found_by_a_token_with_the_same_subject(
    app: FastAPI, client: TestClient, world: World
) -> None:
    kick = client.get("/fhir/Patient/$export", headers={"Prefer": "respond-async"})
    assert kick.status_code == 202
    status_url = kick.headers["content-location"].split("/fhir", 1)[1]
    # A resident's token that carries the operator's subject (as every `hoso token` did),
    # and the operator's subject and role from another client. (Not `with` clients: their
    # shutdown would stop the app's job runner.)
    same_sub = world.as_role("resident", subject="test:operator", patient=world.ids["p1"])
    assert same_sub.get(f"/fhir{status_url}").status_code == 404
    assert same_sub.delete(f"/fhir{status_url}").status_code == 404
    other_client = TestClient(app, raise_server_exceptions=False,
                              headers=bearer(app, client_id="another-tool"))  # fmt: skip
    world.clients.append(other_client)
    assert other_client.get(f"/fhir{status_url}").status_code == 404
    own = client.get(f"/fhir{status_url}")
    assert own.status_code in (200, 202), own.text


def test_hoso_token_gives_each_role_facility_and_resident_its_own_subject(app: FastAPI) -> None:
    endpoint = app.state.auth.endpoint
    subjects = {
        endpoint.operator_token(operator="root", scopes=("system/*.rs",), **kw).claims.subject
        for kw in ({}, {"facility": "79001"}, {"facility": "79002"}, {"patient": "p-1"})
    }
    assert len(subjects) == 4


# -- 4. existence oracles --------------------------------------------------------------------
def _same_answer(hidden: Any, absent: Any, hidden_id: str, absent_id: str) -> None:
    assert hidden.status_code == absent.status_code, (hidden.text, absent.text)
    assert hidden.text.replace(hidden_id, "X") == absent.text.replace(absent_id, "X")


def test_delete_of_a_hidden_record_answers_as_for_none(world: World) -> None:
    ids, his_b = world.ids, world.facility(FACILITY_B)
    hidden = his_b.delete(f"/fhir/Observation/{ids['obsChild']}")
    absent = his_b.delete(f"/fhir/Observation/{uuid.uuid4()}")
    assert hidden.status_code == absent.status_code == 204
    assert hidden.content == absent.content == b""
    assert world.operator.get(f"/fhir/Observation/{ids['obsChild']}").status_code == 200


def test_reference_to_a_hidden_record_answers_as_for_none(world: World) -> None:
    ids, his_b = world.ids, world.facility(FACILITY_B)
    absent_id = str(uuid.uuid4())

    def post(target: str) -> Any:
        body = {**observation(ids["p2"]), "derivedFrom": [{"reference": f"Observation/{target}"}]}
        return his_b.post("/fhir/Observation", json=body, headers=FHIR_JSON)

    _same_answer(post(ids["obsChild"]), post(absent_id), ids["obsChild"], absent_id)
    # The patient itself: a stranger and nobody look alike.
    hidden = his_b.post("/fhir/Observation", json=observation(ids["p3"]), headers=FHIR_JSON)
    absent = his_b.post("/fhir/Observation", json=observation(absent_id), headers=FHIR_JSON)
    _same_answer(hidden, absent, ids["p3"], absent_id)


def test_put_to_a_hidden_id_answers_as_for_a_free_one(world: World) -> None:
    ids, his_b = world.ids, world.facility(FACILITY_B)
    absent_id = str(uuid.uuid4())

    def put(target: str) -> Any:
        body = {**observation(ids["p2"]), "id": target}
        return his_b.put(f"/fhir/Observation/{target}", json=body, headers=FHIR_JSON)

    _same_answer(put(ids["obsChild"]), put(absent_id), ids["obsChild"], absent_id)
    assert put(absent_id).status_code == 404
    # The operator still creates by PUT.
    body = {**observation(ids["p2"]), "id": absent_id}
    assert world.operator.put(f"/fhir/Observation/{absent_id}", json=body).status_code == 201


def test_conditional_create_does_not_match_a_hidden_record(world: World) -> None:
    ids, his_b = world.ids, world.facility(FACILITY_B)
    for target in (ids["obsChild"], str(uuid.uuid4())):
        response = his_b.post("/fhir/Observation", json=observation(ids["p2"]),
                              headers={**FHIR_JSON, "If-None-Exist": f"_id={target}"})  # fmt: skip
        assert response.status_code == 201
        assert response.json()["id"] != ids["obsChild"]


def test_conditional_update_never_touches_a_hidden_record(world: World) -> None:
    ids, his_b = world.ids, world.facility(FACILITY_B)
    before = world.operator.get(f"/fhir/Observation/{ids['obsChild']}").json()
    response = his_b.put(f"/fhir/Observation?_id={ids['obsChild']}",
                         json=observation(ids["p2"]), headers=FHIR_JSON)  # fmt: skip
    assert response.status_code == 201
    assert response.json()["id"] != ids["obsChild"]
    after = world.operator.get(f"/fhir/Observation/{ids['obsChild']}").json()
    assert after["meta"]["versionId"] == before["meta"]["versionId"]
    # With the hidden id in the body: refused, and the same way for a free id.
    absent_id = str(uuid.uuid4())

    def put(target: str) -> Any:
        body = {**observation(ids["p2"]), "id": target}
        return his_b.put(f"/fhir/Observation?_id={target}", json=body, headers=FHIR_JSON)

    _same_answer(put(ids["obsChild"]), put(absent_id), ids["obsChild"], absent_id)


def test_match_treats_a_stranger_as_nobody(world: World) -> None:
    his_b = world.facility(FACILITY_B)

    def match(cccd: str, family: str, birth: str) -> Any:
        return his_b.post("/fhir/Patient/$match", json={"resourceType": "Parameters",
            "parameter": [{"name": "resource", "resource": {
                **only_cccd(cccd), "name": [{"family": family}], "birthDate": birth}}]},
            headers=FHIR_JSON)  # fmt: skip

    stranger = match(P3_CCCD, "Phạm", "1970-03-03")
    nobody = match("079070001111", "Hà", "1970-03-03")
    assert stranger.status_code == nobody.status_code == 200
    assert stranger.json()["total"] == nobody.json()["total"] == 0


# -- 5. conditional references outside a transaction ---------------------------------------
def test_conditional_reference_in_a_plain_post_resolves_in_the_callers_view(
    world: World,
) -> None:
    ids, his_b = world.ids, world.facility(FACILITY_B)

    def post(cccd: str) -> Any:
        body = {**observation("x"), "subject": {
            "reference": f"Patient?identifier={DEFAULT_CCCD_SYSTEM}|{cccd}"}}  # fmt: skip
        return his_b.post("/fhir/Observation", json=body, headers=FHIR_JSON)

    in_care = post("079085004321")
    assert in_care.status_code == 201
    assert in_care.json()["subject"]["reference"] == f"Patient/{ids['p2']}"
    _same_answer(post(P3_CCCD), post("079070001111"), P3_CCCD, "079070001111")
    assert post(P3_CCCD).status_code == 400
    # Nothing stored anywhere holds a conditional reference.
    stored = world.operator.get("/fhir/Observation", params={"_count": "200"}).text
    assert "Patient?identifier" not in stored


def test_the_store_refuses_an_unresolved_conditional_reference(store: SqlStore) -> None:
    from hoso.core.errors import InvalidResource

    body = {**observation("x"), "subject": {"reference": "Patient?identifier=a|b"}}
    with pytest.raises(InvalidResource) as refused, store.unit_of_work() as session:
        session.create(body)
    assert refused.value.issues[0].expression == ("Observation.subject.reference",)


def test_operator_conditional_reference_resolves_everywhere(world: World) -> None:
    body = {**observation("x"), "subject": {
        "reference": f"Patient?identifier={DEFAULT_CCCD_SYSTEM}|{P3_CCCD}"}}  # fmt: skip
    response = world.operator.post("/fhir/Observation", json=body, headers=FHIR_JSON)
    assert response.status_code == 201
    assert response.json()["subject"]["reference"] == f"Patient/{world.ids['p3']}"
