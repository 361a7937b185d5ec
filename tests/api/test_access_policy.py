"""Who sees what, over the real API on both databases: role × resource × interaction ×
relationship and consent. A record the caller may not see answers exactly like a
missing one (404), so refusals never confirm that it exists."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.access_world import (
    FACILITY_A,
    FACILITY_B,
    World,
    create,
    encounter,
    facility_actor,
    label_permit,
    privacy_consent,
)
from tests.api.conftest import FHIR_JSON
from tests.builders.clinical import observation


def ids_of(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return {e["resource"]["id"] for e in response.json().get("entry", [])}


def test_without_a_token_every_record_endpoint_answers_401(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        for method, path in [
            ("GET", "/fhir/Patient"),
            ("GET", "/fhir/Patient/x"),
            ("POST", "/fhir/Patient"),
            ("GET", "/fhir/_history"),
            ("GET", "/fhir/Patient/x/$everything"),
            ("POST", "/fhir"),
        ]:
            response = anonymous.request(method, path, json={}, headers=FHIR_JSON)
            assert response.status_code == 401, (method, path)
            assert response.json()["issue"][0]["code"] == "login"
            assert response.headers["www-authenticate"].startswith("Bearer")
        assert anonymous.get("/fhir/metadata").status_code == 200


def test_resident_sees_own_and_childs_record_only(world: World) -> None:
    ids, me = world.ids, world.resident("p1")
    assert me.get(f"/fhir/Patient/{ids['p1']}").status_code == 200
    assert me.get(f"/fhir/Patient/{ids['child']}").status_code == 200
    assert me.get(f"/fhir/Observation/{ids['obsChild']}").status_code == 200
    assert me.get(f"/fhir/Patient/{ids['p2']}").status_code == 404
    assert me.get(f"/fhir/Observation/{ids['obsB2']}").status_code == 404
    # Own sensitive record included: the resident is the data subject.
    assert me.get(f"/fhir/Condition/{ids['hivB1']}").status_code == 200
    seen = ids_of(me.get("/fhir/Observation"))
    assert seen == {ids["obsA1"], ids["obsChild"]}
    patients = ids_of(me.get("/fhir/Patient"))
    assert patients == {ids["p1"], ids["child"]}


def test_clinician_with_care_relationship_sees_the_record_but_not_hiv(world: World) -> None:
    ids, doctor = world.ids, world.clinician(FACILITY_A)
    assert doctor.get(f"/fhir/Observation/{ids['obsA1']}").status_code == 200
    assert doctor.get(f"/fhir/Encounter/{ids['encA1']}").status_code == 200
    # HIV written by facility B: labelled on write, hidden from A.
    assert doctor.get(f"/fhir/Condition/{ids['hivB1']}").status_code == 404
    labels = world.operator.get(f"/fhir/Condition/{ids['hivB1']}").json()["meta"]["security"]
    assert {"HIV"} <= {s["code"] for s in labels}
    conditions = ids_of(doctor.get("/fhir/Condition", params={"patient": ids["p1"]}))
    assert ids["hivB1"] not in conditions
    # The author facility still sees it.
    assert world.clinician(FACILITY_B).get(f"/fhir/Condition/{ids['hivB1']}").status_code == 200


def test_clinician_without_relationship_gets_the_emergency_summary_only(world: World) -> None:
    ids, doctor = world.ids, world.clinician(FACILITY_A)
    assert doctor.get(f"/fhir/Patient/{ids['p2']}").status_code == 200
    assert doctor.get(f"/fhir/Condition/{ids['condB2']}").status_code == 200
    assert doctor.get(f"/fhir/Observation/{ids['obsB2']}").status_code == 404
    assert doctor.get(f"/fhir/Encounter/{ids['encB2']}").status_code == 404
    everything = ids_of(doctor.get(f"/fhir/Patient/{ids['p2']}/$everything"))
    assert ids["condB2"] in everything and ids["obsB2"] not in everything


def test_break_the_glass_opens_the_record_and_the_resident_sees_it(world: World) -> None:
    ids, doctor = world.ids, world.clinician(FACILITY_A, name="bs-cap-cuu")
    short = doctor.post(
        f"/fhir/Patient/{ids['p2']}/$break-glass",
        json={"resourceType": "Parameters", "parameter": [{"name": "reason", "valueString": "x"}]},
    )
    assert short.status_code == 400
    assert doctor.get(f"/fhir/Observation/{ids['obsB2']}").status_code == 404
    granted = doctor.post(
        f"/fhir/Patient/{ids['p2']}/$break-glass",
        json={
            "resourceType": "Parameters",
            "parameter": [{"name": "reason", "valueString": "Bất tỉnh tại cấp cứu, cần tiền sử"}],
        },
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["parameter"][0]["name"] == "expires"
    assert doctor.get(f"/fhir/Observation/{ids['obsB2']}").status_code == 200
    # Another clinician of the same facility did not break the glass.
    other = world.clinician(FACILITY_A, name="bs-khac")
    assert other.get(f"/fhir/Observation/{ids['obsB2']}").status_code == 404
    # The resident sees who opened the record, when, why, flagged.
    log = world.resident("p2").get(f"/fhir/Patient/{ids['p2']}/$access-log")
    assert log.status_code == 200
    events = [e["resource"] for e in log.json()["entry"]]
    flagged = [
        e
        for e in events
        if any(c["code"] == "BTG" for p in e.get("purposeOfEvent", []) for c in p["coding"])
    ]
    assert flagged, events
    assert all("network" not in a and "altId" not in a for e in events for a in e["agent"])
    facilities = {
        a["who"]["identifier"]["value"] for e in flagged for a in e["agent"] if "who" in a
    }
    assert FACILITY_A in facilities
    # Not another resident's log.
    assert world.resident("p1").get(f"/fhir/Patient/{ids['p2']}/$access-log").status_code == 404


def test_facility_system_reads_its_patients_and_writes_for_itself(world: World) -> None:
    ids, his_b = world.ids, world.facility(FACILITY_B)
    assert his_b.get(f"/fhir/Observation/{ids['obsB2']}").status_code == 200
    assert his_b.get(f"/fhir/Observation/{ids['obsA1']}").status_code == 200  # shared record
    assert his_b.get(f"/fhir/Observation/{ids['obsChild']}").status_code == 404
    assert his_b.get(f"/fhir/Patient/{ids['p3']}").status_code == 404  # no summary for systems
    # No writing for a patient outside its care: to B, p3 does not exist.
    refused = his_b.post("/fhir/Observation", json=observation(ids["p3"]), headers=FHIR_JSON)
    nobody = his_b.post("/fhir/Observation", json=observation("no-such-id"), headers=FHIR_JSON)
    assert refused.status_code == nobody.status_code == 400
    assert refused.json()["issue"][0]["expression"] == nobody.json()["issue"][0]["expression"]
    # ...nor opening care at another facility, nor changing another facility's record.
    forged = his_b.post(
        "/fhir/Encounter", json=encounter(ids["p3"], ids["orgA"]), headers=FHIR_JSON
    )
    assert forged.status_code == 403
    obs = world.operator.get(f"/fhir/Observation/{ids['obsA1']}").json()
    assert his_b.put(f"/fhir/Observation/{ids['obsA1']}", json=obs).status_code == 403
    hidden = world.operator.get(f"/fhir/Observation/{ids['obsChild']}").json()
    assert his_b.put(f"/fhir/Observation/{ids['obsChild']}", json=hidden).status_code == 404
    # A source it claims is replaced by its own.
    body = {**observation(ids["p2"]), "meta": {"source": "urn:hoso:facility:79001"}}
    new_id = create(his_b, body)
    stored = world.operator.get(f"/fhir/Observation/{new_id}").json()
    assert stored["meta"]["source"] == f"urn:hoso:facility:{FACILITY_B}"
    # Admission at its own facility opens the record for it.
    create(his_b, encounter(ids["p3"], ids["orgB"]))
    assert his_b.get(f"/fhir/Observation/{ids['obsP3']}").status_code == 200


def test_no_write_leaves_anything_when_refused(world: World) -> None:
    ids, his_b = world.ids, world.facility(FACILITY_B)
    before = world.operator.get("/fhir/Observation", params={"_summary": "count"}).json()["total"]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": observation(ids["p2"]),
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "resource": observation(ids["p3"]),
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    response = his_b.post("/fhir", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 400  # p3 is not there for B: an unresolved reference
    after = world.operator.get("/fhir/Observation", params={"_summary": "count"}).json()["total"]
    assert after == before


def test_officer_sees_deidentified_data_except_case_reports(world: World) -> None:
    ids, officer = world.ids, world.as_role("officer")
    page = officer.get("/fhir/Patient", params={"gender": "male"}).json()
    people = [e["resource"] for e in page["entry"] if e["resource"]["id"] != ids["p3"]]
    assert people and all(p["id"].startswith("anon-") for p in people)
    assert all("name" not in p and "identifier" not in p for p in people)
    assert not {ids["p1"], ids["p2"]} & {p["id"] for p in people}
    assert all(len(p.get("birthDate", "1990")) == 4 for p in people)
    observations = [e["resource"] for e in officer.get("/fhir/Observation").json()["entry"]]
    identified = {
        o["id"] for o in observations if not o["subject"]["reference"].startswith("Patient/anon-")
    }
    assert identified == {ids["obsP3"]}  # p3 is named in a case report
    assert officer.get(f"/fhir/Patient/{ids['p3']}").json()["id"] == ids["p3"]
    # Searching by what identifies a person is refused; sensitive data stays hidden.
    for params in ({"name": "tran"}, {"identifier": "079090001234"}, {"birthdate": "1990-01-01"}):
        assert officer.get("/fhir/Patient", params=params).status_code == 403
    chained = officer.get("/fhir/Observation", params={"subject:Patient.name": "tran"})
    assert chained.status_code == 403
    assert officer.get(f"/fhir/Condition/{ids['hivB1']}").status_code == 404
    assert officer.post("/fhir/Observation", json=observation(ids["p3"])).status_code == 403
    assert officer.get(f"/fhir/Observation/{ids['obsB2']}/_history").status_code == 403


def test_steward_dpo_and_admin_see_no_clinical_records(world: World) -> None:
    ids = world.ids
    steward = world.as_role("steward")
    assert steward.get(f"/fhir/Patient/{ids['p2']}").status_code == 200
    assert steward.get(f"/fhir/Observation/{ids['obsB2']}").status_code == 403
    dpo = world.as_role("dpo")
    assert dpo.get(f"/fhir/Observation/{ids['obsB2']}").status_code == 403
    assert dpo.get("/fhir/Task").status_code == 200
    admin = world.as_role("admin")
    assert admin.get(f"/fhir/Patient/{ids['p2']}").status_code == 403


def test_scopes_limit_interactions_and_types(world: World) -> None:
    ids = world.ids
    read_only = world.as_role("clinician", facility=FACILITY_A, scopes="user/Observation.rs")
    assert read_only.get(f"/fhir/Observation/{ids['obsA1']}").status_code == 200
    assert read_only.get(f"/fhir/Patient/{ids['p1']}").status_code == 403
    assert read_only.post("/fhir/Observation", json=observation(ids["p1"])).status_code == 403
    # An include may not bring in a type the scopes do not grant.
    page = read_only.get(
        "/fhir/Observation", params={"_id": ids["obsA1"], "_include": "Observation:subject"}
    ).json()
    assert {e["resource"]["resourceType"] for e in page["entry"]} == {"Observation"}
    # A patient-context token reaches one record, even what its holder wrote elsewhere.
    app_token = world.as_role(
        "clinician", facility=FACILITY_A, scopes="patient/*.rs", patient=ids["p2"]
    )
    assert app_token.get(f"/fhir/Observation/{ids['obsA1']}").status_code == 404


def test_consent_blocks_a_facility_at_once_and_withdrawal_restores_it(world: World) -> None:
    ids, me, doctor = world.ids, world.resident("p1"), world.clinician(FACILITY_A)
    consent = privacy_consent(
        ids["p1"],
        {"type": "permit", "provision": [{"type": "deny", "actor": [facility_actor(ids["orgA"])]}]},
    )
    consent_id = create(me, consent)
    assert doctor.get(f"/fhir/Observation/{ids['obsB2']}").status_code == 404
    assert doctor.get(f"/fhir/Encounter/{ids['encA1']}").status_code == 200  # A wrote it
    assert doctor.get(f"/fhir/Patient/{ids['p1']}").status_code == 404
    stored = me.get(f"/fhir/Consent/{consent_id}").json()
    stored["status"] = "inactive"
    assert me.put(f"/fhir/Consent/{consent_id}", json=stored).status_code == 200
    assert doctor.get(f"/fhir/Patient/{ids['p1']}").status_code == 200
    assert me.delete(f"/fhir/Consent/{consent_id}").status_code == 403  # withdraw, not erase


def test_consent_can_share_a_sensitive_category_with_one_facility(world: World) -> None:
    ids, me, doctor = world.ids, world.resident("p1"), world.clinician(FACILITY_A)
    assert doctor.get(f"/fhir/Condition/{ids['hivB1']}").status_code == 404
    create(me, label_permit(ids["p1"], ids["orgA"], "HIV"))
    assert doctor.get(f"/fhir/Condition/{ids['hivB1']}").status_code == 200
    # Only to that facility: an officer, say, still does not see it.
    assert world.as_role("officer").get(f"/fhir/Condition/{ids['hivB1']}").status_code == 404


def test_a_patient_context_token_narrows_and_never_widens(world: World) -> None:
    ids = world.ids
    # Clinician at A launched for p1 (in care): p1's record, without B's HIV diagnosis.
    launched = world.as_role(
        "clinician", facility=FACILITY_A, scopes="patient/*.rs", patient=ids["p1"]
    )
    assert launched.get(f"/fhir/Observation/{ids['obsA1']}").status_code == 200
    assert launched.get(f"/fhir/Condition/{ids['hivB1']}").status_code == 404
    # Launched for p2 (no care at A): still only the emergency summary.
    other = world.as_role(
        "clinician", facility=FACILITY_A, scopes="patient/*.rs", patient=ids["p2"]
    )
    assert other.get(f"/fhir/Condition/{ids['condB2']}").status_code == 200
    assert other.get(f"/fhir/Observation/{ids['obsB2']}").status_code == 404
    assert ids_of(other.get("/fhir/Observation")) == set()
