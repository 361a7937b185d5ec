"""Sống (live): a record someone has confirmed within its interval."""

from __future__ import annotations

from typing import Any

from tests.ingest.quality.helpers import (
    DAY_US,
    NOW_US,
    good_condition,
    good_facts,
    good_patient,
    of_rule,
    rules,
)


def test_demographics_untouched_for_more_than_five_years() -> None:
    stale = good_patient(meta={"lastUpdated": "2020-01-01T00:00:00Z"})
    [issue] = of_rule(stale, "SONG-001")
    assert (issue.expression, issue.severity) == ("Patient.meta.lastUpdated", "information")
    assert "SONG-001" not in rules(good_patient(meta={"lastUpdated": "2022-01-01T00:00:00Z"}))
    assert "SONG-001" not in rules({**stale, "deceasedBoolean": True})


def test_active_diagnosis_not_reviewed_for_two_years() -> None:
    old = good_condition(recordedDate="2023-01-01")
    assert [i.expression for i in of_rule(old, "SONG-002")] == ["Condition.clinicalStatus"]
    assert "SONG-002" not in rules(good_condition(recordedDate="2025-01-01"))
    resolved = {**old, "clinicalStatus": {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
        "code": "resolved"}]}}  # fmt: skip
    assert "SONG-002" not in rules(resolved)


def _prescription(**extra: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "subject": {"reference": "Patient/p1"}, "dosageInstruction": [{"text": "1 viên"}],
            "medicationCodeableConcept": {"text": "Amlodipin 5 mg"}, **extra}  # fmt: skip


def test_active_prescription_past_its_time() -> None:
    assert [i.expression for i in of_rule(_prescription(authoredOn="2026-01-15"), "SONG-004")] == [
        "MedicationRequest.status"
    ]
    assert "SONG-004" not in rules(_prescription(authoredOn="2026-05-15"))
    # An explicit validity period wins over the 90 days.
    valid = {"validityPeriod": {"start": "2026-01-15", "end": "2026-12-31"}}
    assert "SONG-004" not in rules(_prescription(authoredOn="2026-01-15", dispenseRequest=valid))


def test_adult_without_recent_vital_signs_in_the_batch() -> None:
    stale = good_facts(last_vital_signs_us=NOW_US - 400 * DAY_US)
    never = good_facts(last_vital_signs_us=None)
    for facts in (stale, never):
        [issue] = of_rule(good_patient(), "SONG-005", facts)
        assert issue.kind == "batch"
    assert "SONG-005" not in rules(good_patient(), good_facts())
    assert "SONG-005" not in rules(good_patient(birthDate="2015-01-01"), never)  # a child
