"""Residents' records as the programmes read them: answers to a packaged form (checked
by the form, as a station's visit would be), readings and diagnoses."""

from __future__ import annotations

from datetime import date
from typing import Any

from hoso.programmes.forms import build_response
from hoso.programmes.framework import Record
from hoso.programmes.packaged import packaged_form

LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"


def response(form: str, answers: dict[str, Any], day: str) -> dict[str, Any]:
    """A completed QuestionnaireResponse to `data/forms/<form>.json`, at 09:00 local."""
    return build_response(packaged_form(form), answers, patient="Patient/p1",
                          authored=f"{day}T09:00:00+07:00")  # fmt: skip


def blood_pressure(day: str, systolic: float, diastolic: float) -> dict[str, Any]:
    def part(code: str, value: float) -> dict[str, Any]:
        quantity = {"value": value, "unit": "mmHg", "system": "http://unitsofmeasure.org",
                    "code": "mm[Hg]"}  # fmt: skip
        return {"code": {"coding": [{"system": LOINC, "code": code}]}, "valueQuantity": quantity}

    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
            "effectiveDateTime": f"{day}T08:30:00+07:00",
            "component": [part("8480-6", systolic), part("8462-4", diastolic)]}  # fmt: skip


def lab(code: str, value: float, unit: str | None, day: str) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value}
    if unit:
        quantity.update(unit=unit, system="http://unitsofmeasure.org", code=unit)
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "effectiveDateTime": f"{day}T07:15:00+07:00", "valueQuantity": quantity}  # fmt: skip


def diagnosis(code: str, day: str = "2024-01-10") -> dict[str, Any]:
    return {"resourceType": "Condition",
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "code": {"coding": [{"system": ICD10, "code": code}]}, "recordedDate": day}  # fmt: skip


def prescription(atc: str, text: str, status: str = "active") -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "status": status, "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc",
                                                      "code": atc}], "text": text}}  # fmt: skip


def record(born: date | str, *resources: dict[str, Any], sex: str = "female") -> Record:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(r)
    patient = {"resourceType": "Patient", "id": "p1", "gender": sex, "birthDate": str(born)}
    return Record(patient, by_type, "26740")


def recompute_all(store: Any, operator: Any) -> Any:
    """The recompute with every packaged programme and rule, wired as the server wires
    it (the operator's repository, the test world's ward stations)."""
    from hoso.access.programme_records import ProgrammeRecords
    from hoso.programmes.recompute import READ_TYPES, Recompute
    from hoso.programmes.registry import PROGRAMMES, packaged_rules
    from tests.programmes.world import access

    return Recompute(ProgrammeRecords(operator, READ_TYPES), access(store, operator), PROGRAMMES,
                     packaged_rules())  # fmt: skip
