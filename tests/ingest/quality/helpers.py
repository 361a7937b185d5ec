"""Shared builders for the data-quality tests: a fixed `now` and a resident whose record
passes every rule, so each test changes one thing and sees one rule fire."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hoso.fhir.quality import QualityIssue
from hoso.ingest.quality import PatientFacts, RuleContext, check_resource
from tests.builders.patient import patient

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
NOW_US = int(NOW.timestamp() * 1_000_000)
DAY_US = 86_400 * 1_000_000
HOME = {
    "use": "home",
    "line": ["12 Lê Lợi"],
    "city": "Phường Bến Thành",
    "state": "Thành phố Hồ Chí Minh",
}
PHONE = {"system": "phone", "value": "0903123456"}
ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"


def good_patient(**extra: Any) -> dict[str, Any]:
    """A resident whose record every rule accepts (male, born 1990, CCCD agrees)."""
    fields: dict[str, Any] = {
        "address": [HOME],
        "telecom": [PHONE],
        "meta": {"lastUpdated": "2026-01-01T00:00:00Z"},
    }
    fields.update(extra)
    return patient(**fields)


def good_facts(**changes: Any) -> PatientFacts:
    values: dict[str, Any] = {"covered": True, "last_vital_signs_us": NOW_US - 30 * DAY_US}
    values.update(changes)
    return PatientFacts(**values)


def ctx(facts: PatientFacts | None = None) -> RuleContext:
    return RuleContext(NOW, facts=facts)


def findings(resource: dict[str, Any], facts: PatientFacts | None = None) -> list[QualityIssue]:
    """Every rule's findings (write and batch kinds) at NOW."""
    return check_resource(resource, ctx(facts), kind=None)


def rules(resource: dict[str, Any], facts: PatientFacts | None = None) -> set[str]:
    return {i.rule for i in findings(resource, facts)}


def of_rule(
    resource: dict[str, Any], code: str, facts: PatientFacts | None = None
) -> list[QualityIssue]:
    return [i for i in findings(resource, facts) if i.rule == code]


def vital(loinc: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs"}]}],
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-05-01T08:00:00+07:00",
        "valueQuantity": {"value": value, "unit": unit,
                          "system": "http://unitsofmeasure.org", "code": unit},
    }  # fmt: skip
    resource.update(extra)
    return resource


def blood_pressure(systolic: float, diastolic: float) -> dict[str, Any]:
    def part(code: str, value: float) -> dict[str, Any]:
        quantity = {"value": value, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org"}
        return {
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "valueQuantity": {**quantity, "code": "mm[Hg]"},
        }

    resource = vital("85354-9", 0, "mm[Hg]")
    del resource["valueQuantity"]
    resource["component"] = [part("8480-6", systolic), part("8462-4", diastolic)]
    return resource


def good_condition(**extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
        "code": {"coding": [{"system": ICD10, "code": "I10"}], "text": "Tăng huyết áp"},
        "subject": {"reference": "Patient/p1"},
        "recordedDate": "2026-03-01",
    }  # fmt: skip
    resource.update(extra)
    return resource
