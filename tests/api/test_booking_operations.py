"""The booking operations over HTTP (`/fhir/Appointment/$find|$hold|$book|$cancel|
$reschedule`), as a resident's app and a call centre call them: Parameters in, a
Bundle or an Appointment out, 409 with an OperationOutcome `conflict` on a full Slot,
the same 404 for another resident's appointment as for none, 400 (never 500) for
malformed or enormous input."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access import claims as roles
from hoso.core import clock
from hoso.store.sql_store import SqlStore
from tests.api.conftest import role_clients
from tests.booking.world import build_world

FHIR = "application/fhir+json"


def _params(**values: object) -> dict[str, object]:
    parameter = []
    for name, value in values.items():
        name = name.replace("_", "-")
        if isinstance(value, dict):
            parameter.append({"name": name, "resource": value} if "resourceType" in value
                             else {"name": name, "valueReference": value})  # fmt: skip
        else:
            parameter.append({"name": name, "valueString": value})
    return {"resourceType": "Parameters", "parameter": parameter}


def _post(client: TestClient, path: str, body: dict[str, object]) -> tuple[int, dict]:
    response = client.post(f"/fhir/{path}", json=body, headers={"Content-Type": FHIR})
    return response.status_code, response.json()


def test_find_hold_book_reschedule_cancel_over_http(app: FastAPI, store: SqlStore) -> None:
    world = build_world(store, capacity=1)
    start = clock.now().astimezone(clock.VN_TZ)
    window = {"start": start.isoformat(), "end": (start + timedelta(days=14)).isoformat()}
    with role_clients(app) as make:
        me = make(roles.RESIDENT, patient=world.patients[0])
        found = me.get("/fhir/Appointment/$find", params={**window, "specialty": "kham-noi",
                                                          "_count": "5"})  # fmt: skip
        assert found.status_code == 200, found.text
        bundle = found.json()
        assert bundle["resourceType"] == "Bundle" and bundle["entry"]
        proposal = bundle["entry"][0]["resource"]
        assert proposal["status"] == "proposed"
        status, held = _post(me, "Appointment/$hold", _params(appointment_resource=proposal))
        assert status == 200 and held["status"] == "pending", held
        status, booked = _post(me, "Appointment/$book", _params(
            appointment_reference={"reference": f"Appointment/{held['id']}"}))  # fmt: skip
        assert status == 200, booked
        assert [e["resource"]["status"] for e in booked["entry"]] == ["booked"]
        other = make(roles.CALL_CENTRE)
        status, full = _post(other, "Appointment/$book", _params(
            appointment_resource=proposal,
            patient_reference={"reference": f"Patient/{world.patients[1]}"}))  # fmt: skip
        assert status == 409 and full["issue"][0]["code"] == "conflict"
        later = world.slot_ids()[1]
        status, moved = _post(me, f"Appointment/{held['id']}/$reschedule",
                              _params(slot_reference={"reference": f"Slot/{later}"}))  # fmt: skip
        assert status == 200, moved
        new, old = (e["resource"] for e in moved["entry"])
        assert (new["status"], old["status"]) == ("booked", "cancelled")
        status, gone = _post(me, f"Appointment/{new['id']}/$cancel", _params(reason="Bận"))
        assert status == 200 and gone["status"] == "cancelled"


def test_another_residents_appointment_reads_as_absent(app: FastAPI, store: SqlStore) -> None:
    world = build_world(store, capacity=2)
    slot = world.slot_ids()[0]
    with role_clients(app) as make:
        theirs = make(roles.RESIDENT, patient=world.patients[1])
        status, booked = _post(theirs, "Appointment/$book",
                               _params(slot_reference={"reference": f"Slot/{slot}"}))  # fmt: skip
        assert status == 200, booked
        appointment = booked["entry"][0]["resource"]["id"]
        me = make(roles.RESIDENT, patient=world.patients[0])
        hidden = _post(me, f"Appointment/{appointment}/$cancel", _params(reason="x"))
        absent = _post(me, "Appointment/does-not-exist/$cancel", _params(reason="x"))
        assert hidden[0] == absent[0] == 404
        assert hidden[1]["issue"][0]["code"] == absent[1]["issue"][0]["code"]
        later = {"reference": f"Slot/{world.slot_ids()[1]}"}
        moved = _post(me, f"Appointment/{appointment}/$reschedule", _params(slot_reference=later))
        nowhere = _post(me, "Appointment/does-not-exist/$reschedule",
                        _params(slot_reference=later))  # fmt: skip
        assert moved[0] == nowhere[0] == 404
        assert moved[1]["issue"][0]["diagnostics"].split(" / ")[0].startswith("Không tìm thấy")
        status, _ = _post(me, "Appointment/$book", _params(
            slot_reference={"reference": f"Slot/{slot}"},
            patient_reference={"reference": f"Patient/{world.patients[1]}"}))  # fmt: skip
        assert status == 403


def test_malformed_and_enormous_input_is_400(app: FastAPI, store: SqlStore) -> None:
    build_world(store, capacity=1, days=1)
    with role_clients(app) as make:
        centre = make(roles.CALL_CENTRE)
        bad = [
            centre.get("/fhir/Appointment/$find", params={"start": "hôm nay", "end": "x"}),
            centre.get("/fhir/Appointment/$find", params={"start": "2026-12-08T07:00:00+07:00",
                                                          "end": "2030-01-01T00:00:00+07:00"}),
            centre.get("/fhir/Appointment/$find", params={"start": "2026-12-08T07:00:00+07:00",
                                                          "end": "2026-12-09T07:00:00+07:00",
                                                          "_count": "¹"}),
            centre.post("/fhir/Appointment/$book", headers={"Content-Type": FHIR},
                        json=_params(slot_reference="Slot/" + "x" * 5000)),
            centre.post("/fhir/Appointment/$book", headers={"Content-Type": FHIR}, json={
                "resourceType": "Parameters", "parameter": [
                    {"name": "overbook-reason", "valueString": "y" * 10_000},
                    {"name": "slot-reference", "valueString": "Slot/a"}]}),
            centre.post("/fhir/Appointment/$hold", json=_params(appointment_resource={
                "resourceType": "Patient"}), headers={"Content-Type": FHIR}),
        ]  # fmt: skip
    assert [r.status_code for r in bad] == [400] * len(bad), [r.text[:200] for r in bad]
