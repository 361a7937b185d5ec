"""How a batch of changes becomes the national transaction Bundle (`plan_batch`):
identifiers, references, the cut before a second change, consent, deletions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.exchange.national_bundle import WITHHELD, plan_batch, transaction
from hoso.fhir.change_feed import Change

BASE = "https://hcm.example/fhir"
PATIENT = {"resourceType": "Patient", "id": "p1",
           "identifier": [{"system": DEFAULT_CCCD_SYSTEM, "value": "079090001234"}]}


@dataclass
class Batch:
    changes: list[Change]
    targets: dict[tuple[str, str], Change] = field(default_factory=dict)
    refusals: dict[str, set[str | None]] = field(default_factory=dict)


def change(position: int, resource: dict[str, Any], version: int = 1, deleted: bool = False,
           patient: str | None = "p1") -> Change:  # fmt: skip
    return Change(position, resource["resourceType"], resource["id"], version, deleted, patient,
                  0, orjson.dumps(resource).decode())  # fmt: skip


def obs(id: str, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": "Patient/p1"}, **extra}  # fmt: skip


def test_identifiers_references_and_the_source() -> None:
    out = plan_batch(Batch([change(1, PATIENT), change(2, obs("o1"))]), DEFAULT_CCCD_SYSTEM, BASE)
    bundle = transaction(out)
    patient, observation = bundle["entry"]
    assert patient["request"] == {
        "method": "PUT", "url": f"Patient?identifier={DEFAULT_CCCD_SYSTEM}%7C079090001234"}
    assert "id" not in patient["resource"] and patient["fullUrl"].startswith("urn:uuid:")
    assert patient["resource"]["meta"]["source"] == f"{BASE}/Patient/p1/_history/1"
    assert observation["request"] == {"method": "PUT", "url": "Observation/o1"}  # no identifier
    assert observation["resource"]["subject"]["reference"] == patient["fullUrl"]


def test_outside_the_bundle_a_target_is_named_by_identifier_or_known_id() -> None:
    batch = Batch([change(5, obs("o1"))], targets={("Patient", "p1"): change(0, PATIENT)})
    [entry] = transaction(plan_batch(batch, DEFAULT_CCCD_SYSTEM, BASE))["entry"]
    assert entry["resource"]["subject"]["reference"].startswith("Patient?identifier=")
    key = entry["resource"]["subject"]["reference"]
    [known] = transaction(plan_batch(batch, DEFAULT_CCCD_SYSTEM, BASE,
                                     {key: "Patient/n-77"}))["entry"]  # fmt: skip
    assert known["resource"]["subject"]["reference"] == "Patient/n-77"


def test_a_second_change_of_a_resource_starts_the_next_bundle() -> None:
    changes = [change(1, PATIENT), change(2, obs("o1")), change(3, PATIENT, version=2),
               change(4, obs("o2"))]  # fmt: skip
    out = plan_batch(Batch(changes), DEFAULT_CCCD_SYSTEM, BASE)
    assert [o.change.position for o in out] == [1, 2]


def test_a_forward_reference_past_the_cut_moves_the_cut() -> None:
    """o2 (position 3) points at o9, written after the repeat of o1: o2 waits too."""
    changes = [change(1, obs("o1")), change(2, obs("o8")),
               change(3, obs("o2", hasMember=[{"reference": "Observation/o9"}])),
               change(4, obs("o1"), version=2), change(5, obs("o9"))]  # fmt: skip
    out = plan_batch(Batch(changes), DEFAULT_CCCD_SYSTEM, BASE)
    assert [o.change.position for o in out] == [1, 2]


def test_consent_and_the_audit_trail_withhold_and_references_keep_a_display() -> None:
    hiv = obs("o-hiv", meta={"security": [{"code": "HIV"}]})
    report = {"resourceType": "DiagnosticReport", "id": "r1", "status": "final",
              "code": {"text": "x"}, "result": [{"reference": "Observation/o-hiv"}]}
    audit = {"resourceType": "AuditEvent", "id": "a1"}
    batch = Batch([change(1, hiv), change(2, report), change(3, audit, patient=None)],
                  refusals={"p1": {"HIV"}})  # fmt: skip
    out = plan_batch(batch, DEFAULT_CCCD_SYSTEM, BASE)
    assert [(o.change.id, o.reason) for o in out if o.entry is None] == [
        ("o-hiv", "consent"), ("a1", "never-sent")]
    [sent] = transaction(out)["entry"]
    assert sent["resource"]["result"] == [{"display": WITHHELD}]
    everything = plan_batch(Batch([change(1, PATIENT)], refusals={"p1": {None}}),
                            DEFAULT_CCCD_SYSTEM, BASE)  # fmt: skip
    assert transaction(everything)["entry"] == []


def test_a_deletion_is_a_conditional_delete_by_the_last_identifier() -> None:
    gone = change(7, PATIENT, version=3, deleted=True)  # content: the version before
    [entry] = transaction(plan_batch(Batch([gone]), DEFAULT_CCCD_SYSTEM, BASE))["entry"]
    assert entry == {"request": {"method": "DELETE", "url":
                                 f"Patient?identifier={DEFAULT_CCCD_SYSTEM}%7C079090001234"}}
