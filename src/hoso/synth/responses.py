"""A programme visit at the ward health station as a station records it: an Encounter,
the QuestionnaireResponse to the programme's form (`hoso/programmes/data/forms/`), and
an Observation for each measured item the form codes (blood pressure, glucose, …).

Built as plain dicts like the rest of the generator (synth imports no programme code);
tests/synth/test_programme_visits.py checks every response against its form.
"""

from __future__ import annotations

from random import Random
from typing import Any

from hoso.synth.clinical import Record, Visit, encounter
from hoso.synth.codes import LABORATORY, LOINC, UCUM, VITAL_SIGNS, concept
from hoso.synth.people import Person
from hoso.synth.sampling import iso_time

__all__ = ["FORM", "HOUSE", "Answer", "boolean", "coded", "decimal", "integer", "measured",
           "station_visit", "visit_response"]  # fmt: skip

FORM = "https://hoso.vn/fhir/Questionnaire/"
HOUSE = "https://hoso.vn/fhir/CodeSystem/programme-observation"
Answer = tuple[str, dict[str, Any]]  # (linkId, FHIR answer)
Context = tuple[dict[str, str], dict[str, str], str, list[dict[str, str]]]


def station_visit(rec: Record, p: Person, day: int, rng: Random, reasons: list[str]) -> Context:
    """An Encounter at the resident's ward station; the context its children carry."""
    staff = p.station.doctors
    doctor = f"Practitioner/{staff[rng.randrange(len(staff))]}"
    minute = 450 + rng.randrange(270)
    subject = {"reference": p.ref}
    enc = encounter(rec, Visit(day, minute, "AMB", p.station, reasons), subject, doctor)
    return subject, enc, iso_time(day, minute + 5), [{"reference": doctor}]


def visit_response(rec: Record, form: str, answers: list[Answer], ctx: Context) -> None:
    subject, enc, when, performer = ctx
    rec.out.append({
        "resourceType": "QuestionnaireResponse",
        "id": rec.new_id("qr"),
        "questionnaire": FORM + form,
        "status": "completed",
        "subject": subject,
        "encounter": enc,
        "authored": when,
        "author": performer[0],
        "item": [{"linkId": link, "answer": [answer]} for link, answer in answers],
    })  # fmt: skip


def measured(rec: Record, code: str, display: str, value: float, unit: str, ctx: Context,
             lab: bool = False) -> None:  # fmt: skip
    """The Observation a coded numeric item of a form becomes."""
    subject, enc, when, performer = ctx
    rec.out.append({
        "resourceType": "Observation",
        "id": rec.new_id("obs"),
        "status": "final",
        "category": [LABORATORY if lab else VITAL_SIGNS],
        "code": concept(LOINC, code, display),
        "subject": subject,
        "encounter": enc,
        "effectiveDateTime": when,
        "performer": performer,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    })  # fmt: skip


def boolean(value: bool) -> dict[str, Any]:
    return {"valueBoolean": value}


def integer(value: int) -> dict[str, Any]:
    return {"valueInteger": value}


def decimal(value: float) -> dict[str, Any]:
    return {"valueDecimal": round(value, 2)}


def coded(code: str, system: str = HOUSE) -> dict[str, Any]:
    return {"valueCoding": {"system": system, "code": code}}
