"""Small residents' records for the cohort tests."""

from __future__ import annotations

from typing import Any

from hoso.programmes.framework import Record

ICD10 = "http://hl7.org/fhir/sid/icd-10"


def condition(code: str, *, recorded: str = "2026-01-10", status: str | None = "active"
              ) -> dict[str, Any]:  # fmt: skip
    found: dict[str, Any] = {"resourceType": "Condition", "recordedDate": recorded,
                             "code": {"coding": [{"system": ICD10, "code": code}]}}  # fmt: skip
    if status:
        found["clinicalStatus"] = {"coding": [{"code": status}]}
    return found


def pregnancy_status(day: str) -> dict[str, Any]:
    loinc = "http://loinc.org"
    pregnant = {"coding": [{"system": loinc, "code": "LA15173-0"}]}
    return {"resourceType": "Observation", "status": "final", "effectiveDateTime": day,
            "code": {"coding": [{"system": loinc, "code": "82810-3"}]},
            "valueCodeableConcept": pregnant}  # fmt: skip


def record(pid: str, born: str, sex: str = "female", ward: str | None = "26734",
           **resources: list[dict[str, Any]]) -> Record:  # fmt: skip
    patient = {"resourceType": "Patient", "id": pid, "birthDate": born, "gender": sex}
    return Record(patient, resources, ward)
