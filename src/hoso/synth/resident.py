"""Everything one resident contributes to the output: their Patient (and any faulted
duplicate), BHYT card, vaccinations, allergies and visits, with the ground-truth rows.

Each resident draws from random streams of their own, named by seed and index, so a
person's record does not depend on who else is generated, in which process or in which
order; faults have their own stream, so switching them on changes nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random
from typing import Any

from hoso.synth.chronic import chronic_care
from hoso.synth.clinical import Record, condition, encounter, prescription, procedure
from hoso.synth.elderly import elderly_care
from hoso.synth.eyes import school_eyes
from hoso.synth.facilities import Network
from hoso.synth.faults import FaultRow, apply_faults
from hoso.synth.history import allergies, plan_visits
from hoso.synth.immunization import childhood, covid
from hoso.synth.measures import body, measure
from hoso.synth.people import Person, coverage_resource, patient_resource
from hoso.synth.sampling import iso_time

DUPLICATE_ENCOUNTER_SHARE = 0.35  # visits at which the duplicate record was used


@dataclass(slots=True)
class ResidentOutput:
    resources: list[dict[str, Any]]
    persons: list[tuple[str, str, str]]  # patient_id, person_key, record kind
    faults: list[FaultRow] = field(default_factory=list)
    truth: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # file → rows


def person_key(p: Person) -> str:
    return f"person-{p.index}"


def resident(p: Person, net: Network, seed: int, rates: dict[str, float]) -> ResidentOutput:
    rng = Random(f"{seed}:care:{p.index}")
    patient = patient_resource(p)
    key = person_key(p)
    out = ResidentOutput([], [(p.id, key, "primary")])
    dup_ref = None
    fault_rng = None
    if rates:
        fault_rng = Random(f"{seed}:faults:{p.index}")
        other = net.clinics[fault_rng.randrange(len(net.clinics))].org_ref
        outcome = apply_faults(patient, rates, fault_rng, other)
        out.resources.extend(outcome.patients)
        out.faults = outcome.rows
        dup_ref = outcome.duplicate_ref
        if dup_ref:
            out.persons.append((dup_ref["reference"].split("/")[1], key, "duplicate"))
    else:
        out.resources.append(patient)
    rec = Record(p.index)
    coverage = coverage_resource(p, rng, net.payor_id, seed)
    if coverage:
        rec.out.append(coverage)
    childhood(rec, p, rng, net)
    covid(rec, p, rng)
    eyes, rosters = school_eyes(rec, p, seed)  # school screening (issue 19): own stream
    if eyes:
        out.truth["eyes"] = eyes
    if rosters:
        out.truth["school_rosters"] = rosters
    visits = plan_visits(p, rng, net)
    subject = {"reference": p.ref}
    allergies(p, rng, rec, subject, visits)
    codes = {c for v in visits for c, _, chronic in v.new if chronic}
    b = body(rng, p.sex, codes)
    for v in visits:
        who = subject
        if dup_ref and fault_rng and fault_rng.random() < DUPLICATE_ENCOUNTER_SHARE:
            who = dup_ref
        doctors = v.facility.doctors
        doctor = f"Practitioner/{doctors[rng.randrange(len(doctors))]}"
        enc = encounter(rec, v, who, doctor)
        ctx = (who, enc, iso_time(v.day, min(v.minute + 5, 1439)), [{"reference": doctor}])
        measure(rec, v, b, (v.day - p.birth_day) / 365.2425, rng, ctx)
        for code, onset, chronic in v.new:
            condition(rec, code, onset, chronic, v, ctx)
        for drug in v.drugs:
            prescription(rec, drug, v, ctx)
        for code in v.procedures:
            procedure(rec, code, v, ctx)
    row = elderly_care(rec, p, b, seed)  # programme visits (issue 19): own random streams
    if row:
        out.truth["elderly"] = [row]
    rows = chronic_care(rec, p, codes, seed)
    if rows:
        out.truth["chronic"] = rows
    out.resources.extend(rec.out)
    return out
