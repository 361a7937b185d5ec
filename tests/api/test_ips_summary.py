"""`Patient/{id}/$summary` (issue 17 point 3): the International Patient Summary as a
document Bundle that parses with fhir.resources, holds the IPS sections with their LOINC
codes, says so when a required one is empty, and shows only what the caller's view
shows — the resident sees their own HIV record, a facility without that care does not;
another resident's summary is answered exactly like a missing one."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from hoso.fhir.operations.summary import SECTIONS
from hoso.fhir.validation import validate_resource
from tests.api.access_world import World

REQUIRED = {"11450-4", "48765-2", "10160-0"}


def _summary(client: TestClient, patient_id: str) -> Any:
    return client.get(f"/fhir/Patient/{patient_id}/$summary")


def _sections(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    composition = bundle["entry"][0]["resource"]
    return {s["code"]["coding"][0]["code"]: s for s in composition["section"]}


def test_the_summary_is_an_ips_document(client: TestClient, world: World) -> None:
    answer = _summary(client, world.ids["p1"])
    assert answer.status_code == 200, answer.text
    bundle = answer.json()
    assert bundle["type"] == "document" and bundle["timestamp"]
    Bundle.model_validate(bundle)  # the R4(B) structures, every entry included
    validate_resource(bundle)  # and the R4 rules the server itself applies
    composition = bundle["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    assert composition["type"]["coding"][0]["code"] == "60591-5"
    assert bundle["entry"][1]["resource"]["id"] == world.ids["p1"]
    sections = _sections(bundle)
    assert set(sections) == {s.code for s in SECTIONS} and set(sections) >= REQUIRED
    problems = {e["reference"] for e in sections["11450-4"]["entry"]}
    assert f"Condition/{world.ids['hivB1']}" in problems
    results = {e["reference"] for e in sections["30954-2"].get("entry", [])}
    assert f"Observation/{world.ids['obsA1']}" in results
    # Nothing recorded: said so, with a reason, not left out.
    allergies = sections["48765-2"]
    assert "entry" not in allergies and allergies["emptyReason"]["coding"][0]["code"]
    assert "Chưa có thông tin" in allergies["text"]["div"]
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    cited = {e["reference"] for s in sections.values() for e in s.get("entry", [])}
    assert cited <= present


def test_each_caller_sees_their_own_view(world: World) -> None:
    resident = world.resident("p1")
    own = _summary(resident, world.ids["p1"])
    assert own.status_code == 200
    mine = {e["reference"] for e in _sections(own.json())["11450-4"]["entry"]}
    assert f"Condition/{world.ids['hivB1']}" in mine  # a resident sees their own HIV record
    facility_a = world.facility("79001")  # p1 in care at A; the HIV record is B's
    seen = _summary(facility_a, world.ids["p1"])
    assert seen.status_code == 200
    problems = _sections(seen.json())["11450-4"]
    assert f"Condition/{world.ids['hivB1']}" not in {e["reference"] for e in
                                                      problems.get("entry", [])}  # fmt: skip
    assert world.ids["hivB1"] not in seen.text


def test_another_residents_summary_is_answered_like_a_missing_one(world: World) -> None:
    resident = world.resident("p1")
    other = _summary(resident, world.ids["p2"])
    missing = _summary(resident, "khong-co-ai")
    assert other.status_code == missing.status_code == 404
    assert other.json()["issue"][0]["code"] == missing.json()["issue"][0]["code"]
    assert world.ids["p2"] not in other.text.replace(f"Patient/{world.ids['p2']}", "")
    nobody = world.facility("79002")  # B has no care link with p3
    assert _summary(nobody, world.ids["p3"]).status_code == 404


def test_no_role_gets_a_server_error(world: World) -> None:
    """Every role, on a record it may and may not see, answers 200, 403 or 404."""
    for role in ("officer", "steward", "dpo", "admin"):
        caller = world.as_role(role)
        for patient in ("p1", "p3"):
            assert _summary(caller, world.ids[patient]).status_code in (200, 403, 404), role
