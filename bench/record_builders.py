"""Builders of a synthetic resident's clinical resources, for the benchmarks' records.

`RecordWriter` makes the FHIR R4 resources of one resident as a facility would have
written them (`meta.source` names the facility): diagnoses with ICD-10 codes,
measurements with UCUM units, reference ranges and interpretations, prescriptions (ATC),
procedures (SNOMED CT) and papers. Ids are `<patient>-hb-<kind>-<n>`, numbered in the
order they are made, so the same calls make the same resources. Standard library only.
"""

from __future__ import annotations

import base64
import random
from datetime import datetime
from typing import Any

from bench.population import (
    ICD10,
    LOINC,
    OBS_CATEGORY,
    UCUM,
    Person,
    facility_code,
    organization_id,
    practitioner_id,
)
from hoso.fhir.care_links import facility_source

__all__ = [
    "BMI", "BP_DIASTOLIC", "BP_SYSTOLIC", "CREATININE", "CVX", "GLUCOSE", "HBA1C", "HEIGHT",
    "LDL", "SNOMED", "TEMPERATURE", "WEIGHT", "Measure", "Medicine", "RecordWriter",
]  # fmt: skip

SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
CVX = "http://hl7.org/fhir/sid/cvx"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_FLAGS = {"H": ("Cao", "High"), "L": ("Thấp", "Low"), "N": ("Bình thường", "Normal")}

Measure = tuple[str, str, str, float | None, float | None]  # LOINC, display, unit, low, high
Medicine = tuple[str, str, str]  # ATC, name, dosage

# Vietnamese laboratories report SI units; None: no bound.
BP_SYSTOLIC: Measure = ("8480-6", "Systolic blood pressure", "mm[Hg]", 90, 139)
BP_DIASTOLIC: Measure = ("8462-4", "Diastolic blood pressure", "mm[Hg]", 60, 89)
GLUCOSE: Measure = ("14771-0", "Fasting glucose [Moles/volume] in Serum or Plasma", "mmol/L",
                    3.9, 6.4)  # fmt: skip
HBA1C: Measure = ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 4.0, 6.0)
WEIGHT: Measure = ("29463-7", "Body weight", "kg", None, None)
HEIGHT: Measure = ("8302-2", "Body height", "cm", None, None)
BMI: Measure = ("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", 18.5, 22.9)  # WHO Asian
LDL: Measure = ("22748-8", "Cholesterol in LDL [Moles/volume] in Serum or Plasma", "mmol/L",
                None, 3.4)  # fmt: skip
CREATININE: Measure = ("14682-9", "Creatinine [Moles/volume] in Serum or Plasma", "umol/L",
                       45, 90)  # fmt: skip
TEMPERATURE: Measure = ("8310-5", "Body temperature", "Cel", 36.0, 37.5)
_LABORATORY_UNITS = ("mmol/L", "%", "umol/L")


class RecordWriter:
    """Builds the resources of one resident; ids are `<patient>-hb-<kind>-<n>`."""

    def __init__(self, p: Person, rng: random.Random) -> None:
        self.p, self.rng = p, rng
        self.subject = {"reference": f"Patient/{p.id}", "display": p.full_name}
        self.counts: dict[str, int] = {}

    def new(self, resource_type: str, kind: str, facility: int, **body: Any) -> dict[str, Any]:
        n = self.counts[kind] = self.counts.get(kind, 0) + 1
        # As a facility's own write would be stamped: the book names each item's source.
        meta = {"source": facility_source(facility_code(facility))}
        return {"resourceType": resource_type, "id": f"{self.p.id}-hb-{kind}-{n:03d}",
                "meta": meta, **body}  # fmt: skip

    def measured(self, spec: Measure, value: float, when: datetime, facility: int,
                 encounter: str | None) -> dict[str, Any]:  # fmt: skip
        code, display, unit, _, _ = spec
        category = "laboratory" if unit in _LABORATORY_UNITS else "vital-signs"
        return self.new(
            "Observation", "obs", facility, status="final",
            category=[{"coding": [{"system": OBS_CATEGORY, "code": category}]}],
            code={"coding": [{"system": LOINC, "code": code, "display": display}]},
            subject=self.subject, effectiveDateTime=when.isoformat(), issued=when.isoformat(),
            **_encounter(encounter), **_quantity(spec, value),
        )  # fmt: skip

    def blood_pressure(self, when: datetime, facility: int, encounter: str | None
                       ) -> dict[str, Any]:  # fmt: skip
        systolic, diastolic = self.rng.randrange(118, 165), self.rng.randrange(70, 98)
        return self.new(
            "Observation", "obs", facility, status="final",
            category=[{"coding": [{"system": OBS_CATEGORY, "code": "vital-signs"}]}],
            code={"coding": [{"system": LOINC, "code": "85354-9",
                              "display": "Blood pressure panel"}], "text": "Huyết áp"},
            subject=self.subject, effectiveDateTime=when.isoformat(), **_encounter(encounter),
            interpretation=[_flag(max(_level(BP_SYSTOLIC, systolic),
                                      _level(BP_DIASTOLIC, diastolic), key="HLN".index))],
            component=[{"code": {"coding": [{"system": LOINC, "code": s[0], "display": s[1]}]},
                        **_quantity(s, v)} for s, v in ((BP_SYSTOLIC, systolic),
                                                        (BP_DIASTOLIC, diastolic))],
        )  # fmt: skip

    def diagnosis(self, icd: str, text: str, when: datetime, facility: int,
                  encounter: str | None) -> dict[str, Any]:  # fmt: skip
        category = "encounter-diagnosis" if encounter else "problem-list-item"
        return self.new(
            "Condition", "cond", facility,
            clinicalStatus=_coded("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                  "active"),
            verificationStatus=_coded(
                "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"),
            category=[_coded(CONDITION_CATEGORY, category)],
            code={"coding": [{"system": ICD10, "code": icd}], "text": text},
            subject=self.subject, **_encounter(encounter),
            onsetDateTime=when.isoformat(), recordedDate=when.isoformat(),
        )  # fmt: skip

    def prescription(self, medicine: Medicine, when: datetime, facility: int,
                     encounter: str, days: int) -> dict[str, Any]:  # fmt: skip
        atc, name, dosage = medicine
        return self.new(
            "MedicationRequest", "med", facility, status="completed", intent="order",
            medicationCodeableConcept={"coding": [{"system": ATC, "code": atc}], "text": name},
            subject=self.subject, **_encounter(encounter), authoredOn=when.isoformat(),
            requester={"reference": f"Practitioner/{self.doctor()}"},
            dosageInstruction=[{"text": dosage}],
            dispenseRequest={"expectedSupplyDuration": {"value": days, "unit": "ngày",
                                                        "system": UCUM, "code": "d"}},
        )  # fmt: skip

    def procedure(self, code: tuple[str, str], when: datetime, facility: int,
                  encounter: str | None) -> dict[str, Any]:  # fmt: skip
        return self.new(
            "Procedure", "proc", facility, status="completed",
            code={"coding": [{"system": SNOMED, "code": code[0]}], "text": code[1]},
            subject=self.subject, **_encounter(encounter), performedDateTime=when.isoformat(),
        )  # fmt: skip

    def paper(self, title: str, loinc: str, text: str, when: datetime, facility: int,
              encounter: str | None) -> dict[str, Any]:  # fmt: skip
        context = {"encounter": [{"reference": f"Encounter/{encounter}"}]} if encounter else {}
        return self.new(
            "DocumentReference", "doc", facility, status="current", docStatus="final",
            type={"coding": [{"system": LOINC, "code": loinc}], "text": title},
            subject=self.subject, date=when.isoformat(), description=title,
            author=[{"reference": f"Organization/{organization_id(facility)}"}],
            content=[{"attachment": {
                "contentType": "text/plain; charset=utf-8", "title": title,
                "data": base64.b64encode(text.encode()).decode(), "creation": when.isoformat()}}],
            **({"context": context} if context else {}),
        )  # fmt: skip

    def doctor(self) -> str:
        return practitioner_id(self.rng.randrange(20))


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _encounter(encounter: str | None) -> dict[str, Any]:
    return {"encounter": {"reference": f"Encounter/{encounter}"}} if encounter else {}


def _level(spec: tuple[str, str, str, float | None, float | None], value: float) -> str:
    low, high = spec[3], spec[4]
    return "H" if high is not None and value > high else (
        "L" if low is not None and value < low else "N")  # fmt: skip


def _flag(level: str) -> dict[str, Any]:
    vi, en = _FLAGS[level]
    return {"coding": [{"system": INTERPRETATION, "code": level, "display": en}], "text": vi}


def _quantity(spec: tuple[str, str, str, float | None, float | None], value: float
              ) -> dict[str, Any]:  # fmt: skip
    _, _, unit, low, high = spec
    out: dict[str, Any] = {"valueQuantity": {"value": value, "unit": unit, "system": UCUM,
                                             "code": unit}}  # fmt: skip
    if low is not None or high is not None:
        bounds = {k: {"value": v, "unit": unit, "system": UCUM, "code": unit}
                  for k, v in (("low", low), ("high", high)) if v is not None}  # fmt: skip
        out["referenceRange"] = [bounds]
        out["interpretation"] = [_flag(_level(spec, value))]
    return out


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _encounter(encounter: str | None) -> dict[str, Any]:
    return {"encounter": {"reference": f"Encounter/{encounter}"}} if encounter else {}


def _level(spec: Measure, value: float) -> str:
    low, high = spec[3], spec[4]
    return "H" if high is not None and value > high else (
        "L" if low is not None and value < low else "N")  # fmt: skip


def _flag(level: str) -> dict[str, Any]:
    vi, en = _FLAGS[level]
    return {"coding": [{"system": INTERPRETATION, "code": level, "display": en}], "text": vi}


def _quantity(spec: Measure, value: float) -> dict[str, Any]:
    unit, low, high = spec[2], spec[3], spec[4]
    out: dict[str, Any] = {"valueQuantity": {"value": value, "unit": unit, "system": UCUM,
                                             "code": unit}}  # fmt: skip
    if low is not None or high is not None:
        bounds = {k: {"value": v, "unit": unit, "system": UCUM, "code": unit}
                  for k, v in (("low", low), ("high", high)) if v is not None}  # fmt: skip
        out["referenceRange"] = [bounds]
        out["interpretation"] = [_flag(_level(spec, value))]
    return out
