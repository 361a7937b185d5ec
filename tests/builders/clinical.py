"""Synthetic clinical resources pointing at a patient."""

from __future__ import annotations

from typing import Any


def observation(
    patient_id: str,
    *,
    loinc: str = "8480-6",
    value: float = 120,
    unit: str = "mm[Hg]",
    when: str = "2025-03-01T08:00:00+07:00",
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": when,
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }


def condition(
    patient_id: str, *, icd10: str = "I10", text: str = "Tăng huyết áp"
) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "subject": {"reference": f"Patient/{patient_id}"},
        "code": {
            "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": icd10}],
            "text": text,
        },
    }
