"""FHIR builders for one visit: the Encounter and what it produced (vital signs and tests,
diagnoses, prescriptions, procedures), plus allergies.

Plain dicts in R4 JSON, built directly (no models) because this is the generator's hot
loop. Every clinical resource points at its Encounter; the Encounter names its
`serviceProvider`, from which the access policy derives care links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hoso.synth.codes import (
    ACT_CODE,
    DIAGNOSIS,
    DRUG,
    OBS_CATEGORY_OF,
    OBS_CODE,
    OBS_UNIT,
    PROCEDURE,
    SNOMED,
    UCUM,
    concept,
    status,
)
from hoso.synth.facilities import Facility
from hoso.synth.sampling import NOW_DAY, iso_day, iso_time

_CLASS = {
    "AMB": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
    "IMP": {"system": ACT_CODE, "code": "IMP", "display": "inpatient encounter"},
    "EMER": {"system": ACT_CODE, "code": "EMER", "display": "emergency"},
}
_TYPE = {
    "AMB": [{"text": "Khám ngoại trú"}],
    "IMP": [{"text": "Điều trị nội trú"}],
    "EMER": [{"text": "Cấp cứu"}],
}
_PRIMARY_PERFORMER = [{"coding": [{
    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PPRF",
    "display": "primary performer"}]}]  # fmt: skip
_DISCHARGE_HOME = {"dischargeDisposition": {"coding": [{
    "system": "http://terminology.hl7.org/CodeSystem/discharge-disposition", "code": "home",
    "display": "Home"}]}}  # fmt: skip
_ACTIVE = status("condition-clinical", "active")
_RESOLVED = status("condition-clinical", "resolved")
_CONFIRMED = status("condition-ver-status", "confirmed")
_PROBLEM = [status("condition-category", "problem-list-item")]
_ENCOUNTER_DX = [status("condition-category", "encounter-diagnosis")]


@dataclass(slots=True)
class Visit:
    """One contact with a facility, before it becomes resources."""

    day: int
    minute: int  # local minute of the day
    cls: str  # AMB | IMP | EMER
    facility: Facility
    reasons: list[str]  # ICD-10 codes
    stay: int = 0  # nights, inpatient
    fever: bool = False
    new: list[tuple[str, int, bool]] = field(default_factory=list)  # (code, onset, chronic)
    drugs: list[str] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)
    labs: list[str] = field(default_factory=list)  # glucose | hba1c | va
    measure_height: bool = False


class Record:
    """One person's resources in the order they are made, ids numbered per person."""

    __slots__ = ("n", "out", "tag")

    def __init__(self, index: int) -> None:
        self.out: list[dict[str, Any]] = []
        self.tag = str(index)
        self.n = 0

    def new_id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.tag}-{self.n}"


def encounter(rec: Record, v: Visit, subject: dict[str, str], doctor: str) -> dict[str, str]:
    """Add the Encounter; returns the reference its children carry."""
    eid = rec.new_id("enc")
    end_day = v.day + v.stay
    end_minute = v.minute + 25 if v.cls == "AMB" else (v.minute + 180) % 1440
    if v.cls == "EMER" and end_minute < v.minute:
        end_day += 1
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": eid,
        "status": "finished",
        "class": _CLASS[v.cls],
        "type": _TYPE[v.cls],
        "subject": subject,
        "participant": [{"type": _PRIMARY_PERFORMER, "individual": {"reference": doctor}}],
        "period": {"start": iso_time(v.day, v.minute), "end": iso_time(end_day, end_minute)},
        "reasonCode": [DIAGNOSIS[code] for code in v.reasons],
    }
    if v.cls == "IMP":
        resource["hospitalization"] = _DISCHARGE_HOME
    resource["location"] = [{"location": {"reference": v.facility.loc_ref}}]
    resource["serviceProvider"] = {"reference": v.facility.org_ref}
    rec.out.append(resource)
    return {"reference": f"Encounter/{eid}"}


def observation(rec: Record, key: str, value: float, ctx: tuple[Any, ...]) -> None:
    subject, enc, when, performer = ctx
    rec.out.append({
        "resourceType": "Observation",
        "id": rec.new_id("obs"),
        "status": "final",
        "category": OBS_CATEGORY_OF[key],
        "code": OBS_CODE[key],
        "subject": subject,
        "encounter": enc,
        "effectiveDateTime": when,
        "performer": performer,
        "valueQuantity": {"value": value, "unit": OBS_UNIT[key], "system": UCUM,
                          "code": OBS_UNIT[key]},
    })  # fmt: skip


def panel(rec: Record, key: str, parts: list[tuple[str, float]], ctx: tuple[Any, ...]) -> None:
    """A panel whose values are components (blood pressure, visual acuity)."""
    subject, enc, when, performer = ctx
    rec.out.append({
        "resourceType": "Observation",
        "id": rec.new_id("obs"),
        "status": "final",
        "category": OBS_CATEGORY_OF[key],
        "code": OBS_CODE[key],
        "subject": subject,
        "encounter": enc,
        "effectiveDateTime": when,
        "performer": performer,
        "component": [{"code": OBS_CODE[part], "valueQuantity": {
            "value": value, "unit": OBS_UNIT[part], "system": UCUM, "code": OBS_UNIT[part]}}
            for part, value in parts],
    })  # fmt: skip


def condition(
    rec: Record, code: str, onset: int, chronic: bool, v: Visit, ctx: tuple[Any, ...]
) -> None:
    subject, enc, _, performer = ctx
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rec.new_id("cond"),
        "clinicalStatus": _ACTIVE,
        "verificationStatus": _CONFIRMED,
        "category": _PROBLEM if chronic else _ENCOUNTER_DX,
        "code": DIAGNOSIS[code],
        "subject": subject,
        "encounter": enc,
        "onsetDateTime": iso_day(onset),
    }
    healed = v.day + v.stay + 10
    if not chronic and healed < NOW_DAY:
        resource["clinicalStatus"] = _RESOLVED
        resource["abatementDateTime"] = iso_day(healed)
    resource["recordedDate"] = iso_day(v.day)
    resource["recorder"] = performer[0]
    rec.out.append(resource)


def prescription(rec: Record, drug: str, v: Visit, ctx: tuple[Any, ...]) -> None:
    subject, enc, when, performer = ctx
    code, dosage = DRUG[drug]
    rec.out.append({
        "resourceType": "MedicationRequest",
        "id": rec.new_id("med"),
        "status": "active" if v.day > NOW_DAY - 60 else "completed",
        "intent": "order",
        "medicationCodeableConcept": code,
        "subject": subject,
        "encounter": enc,
        "authoredOn": when,
        "requester": performer[0],
        "dosageInstruction": dosage,
    })  # fmt: skip


def procedure(rec: Record, code: str, v: Visit, ctx: tuple[Any, ...]) -> None:
    subject, enc, when, performer = ctx
    rec.out.append({
        "resourceType": "Procedure",
        "id": rec.new_id("proc"),
        "status": "completed",
        "code": PROCEDURE[code],
        "subject": subject,
        "encounter": enc,
        "performedDateTime": when,
        "performer": [{"actor": performer[0]}],
        "location": {"reference": v.facility.loc_ref},
    })  # fmt: skip


# substance key -> (category, SNOMED code, display, Vietnamese text, reaction SNOMED code,
# reaction display, Vietnamese reaction text)
ALLERGENS = {
    "penicillin": ("medication", "764146007", "Penicillin", "Dị ứng penicilin",
                   "271807003", "Eruption of skin", "Phát ban"),
    "aspirin": ("medication", "387458008", "Aspirin", "Dị ứng aspirin",
                "247472004", "Wheal", "Mày đay"),
    "sulfonamide": ("medication", "387406002", "Sulfonamide", "Dị ứng sulfamid",
                    "271807003", "Eruption of skin", "Phát ban"),
    "shellfish": ("food", "735029006", "Shellfish", "Dị ứng hải sản có vỏ (tôm, cua)",
                  "247472004", "Wheal", "Mày đay"),
    "peanut": ("food", "762952008", "Peanut", "Dị ứng đậu phộng",
               "247472004", "Wheal", "Mày đay"),
    "dust-mite": ("environment", "260147004", "House dust mite", "Dị ứng mạt bụi nhà",
                  "76067001", "Sneezing", "Hắt hơi, sổ mũi"),
}  # fmt: skip
_ALLERGY_ACTIVE = status("allergyintolerance-clinical", "active")
_ALLERGY_CONFIRMED = status("allergyintolerance-verification", "confirmed")


def allergy(rec: Record, key: str, subject: dict[str, str], day: int, recorder: str) -> None:
    category, code, display, text, reaction, reaction_display, reaction_text = ALLERGENS[key]
    rec.out.append({
        "resourceType": "AllergyIntolerance",
        "id": rec.new_id("alg"),
        "clinicalStatus": _ALLERGY_ACTIVE,
        "verificationStatus": _ALLERGY_CONFIRMED,
        "type": "allergy",
        "category": [category],
        "criticality": "low",
        "code": concept(SNOMED, code, display, text),
        "patient": subject,
        "recordedDate": iso_day(day),
        "recorder": {"reference": recorder},
        "reaction": [
            {"manifestation": [concept(SNOMED, reaction, reaction_display, reaction_text)]}
        ],
    })  # fmt: skip
