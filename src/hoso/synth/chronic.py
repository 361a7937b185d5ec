"""Follow-up visits of the hypertension and diabetes registers at the ward station in
the second half of 2025, with the ground truth (ground_truth/chronic.csv).

About two thirds of the residents diagnosed with hypertension (I10) or type 2 diabetes
(E11.9) are followed at their station, monthly with a missed month now and then. Each
person is "controlled" or not for the period, and their readings are drawn around the
target or above it: about half of the hypertensives (Vietnamese station studies report
39-73 % at target) and a third of the diabetics (33.7 % with HbA1c < 7 % in an HCMC
clinic, Y Học TP. HCM 2014;18(1)) — HOUSE calibrations, not rates to report.
Glucose is entered in mmol/L at some stations and mg/dL at others, as the two fields
of the form allow.

The truth row is computed from every reading the resident's record holds (the other
visits of the generator measure blood pressure and HbA1c too), with the registers'
definitions: controlled at the last reading (< 140/90; HbA1c < 7 % within 182 days of
the last visit, otherwise fasting glucose 4.4-7.2 mmol/L); visited in the 90 days
before 01/01/2026.
"""

from __future__ import annotations

from datetime import date
from random import Random
from typing import Any

from hoso.synth.clinical import Record
from hoso.synth.people import Person
from hoso.synth.responses import (
    Answer,
    coded,
    decimal,
    integer,
    measured,
    station_visit,
    visit_response,
)
from hoso.synth.sampling import HISTORY_END, NOW_DAY

__all__ = ["CHRONIC_HEADER", "chronic_care"]

CHRONIC_HEADER = ("patient_id", "programme", "station_visits", "last_visit", "controlled",
                  "visited_90d", "last_systolic", "last_diastolic", "last_glucose_mmol",
                  "last_hba1c")  # fmt: skip
AT_STATION = 0.65
CONTROLLED = {"I10": 0.50, "E11.9": 0.35}
FROM = date(2025, 7, 1).toordinal()
MGDL_PER_MMOL = 18.016
PROGRAMME = {"I10": "hypertension", "E11.9": "diabetes"}


def _bp(rng: Random, controlled: bool) -> tuple[int, int]:
    if controlled:
        return int(rng.gauss(127, 6)), int(rng.gauss(78, 5))
    return int(rng.gauss(152, 10)), int(rng.gauss(93, 6))


def _glucose(rng: Random, controlled: bool) -> float:
    return round(rng.uniform(5.0, 7.1) if controlled else rng.uniform(7.6, 13.5), 1)


def _visit(rec: Record, p: Person, rng: Random, day: int, codes: list[str],
           control: dict[str, bool], mgdl: bool) -> None:  # fmt: skip
    ctx = station_visit(rec, p, day, rng, codes)
    systolic, diastolic = _bp(rng, control.get("I10", rng.random() < 0.6))
    bp: list[Answer] = [("bp-systolic", integer(systolic)), ("bp-diastolic", integer(diastolic))]
    adherence = coded("adherent" if rng.random() < 0.8 else "missed")
    if "I10" in codes:
        visit_response(rec, "hypertension-visit", [*bp, ("adherence", adherence)], ctx)
    if "E11.9" in codes:
        glucose = _glucose(rng, control["E11.9"])
        answers: list[Answer] = (
            [("glucose-mgdl", decimal(round(glucose * MGDL_PER_MMOL)))] if mgdl
            else [("glucose-mmol", decimal(glucose))])  # fmt: skip
        month = date.fromordinal(day).month
        if month in (7, 12) and rng.random() < 0.7:
            a1c = round(rng.uniform(5.9, 6.9) if control["E11.9"] else rng.uniform(7.2, 10.5), 1)
            answers.append(("hba1c", decimal(a1c)))
            measured(rec, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", a1c, "%", ctx,
                     lab=True)  # fmt: skip
        if mgdl:
            measured(rec, "1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma",
                     round(glucose * MGDL_PER_MMOL), "mg/dL", ctx, lab=True)  # fmt: skip
        else:
            measured(rec, "14771-0", "Fasting glucose [Moles/volume] in Serum or Plasma",
                     glucose, "mmol/L", ctx, lab=True)  # fmt: skip
        visit_response(rec, "diabetes-visit", [*answers, *bp, ("adherence", adherence)], ctx)
    measured(rec, "8480-6", "Systolic blood pressure", systolic, "mm[Hg]", ctx)
    measured(rec, "8462-4", "Diastolic blood pressure", diastolic, "mm[Hg]", ctx)


def _readings(resources: list[dict[str, Any]]) -> dict[str, list[tuple[str, float]]]:
    """(effective time, value) per LOINC code, from every Observation, parts included."""
    found: dict[str, list[tuple[str, float]]] = {}
    for r in resources:
        if r.get("resourceType") != "Observation":
            continue
        for part in [r, *r.get("component", [])]:
            quantity = part.get("valueQuantity")
            if quantity:
                code = part["code"]["coding"][0]["code"]
                found.setdefault(code, []).append((r["effectiveDateTime"], quantity["value"]))
    for values in found.values():
        values.sort()
    return found


def _truth_row(p: Person, code: str, visits: int, rec: Record) -> tuple[str, ...]:
    readings = _readings(rec.out)
    row = dict.fromkeys(CHRONIC_HEADER, "")
    row.update(patient_id=p.id, programme=PROGRAMME[code], station_visits=str(visits))
    if code == "I10":
        diastolic_at = dict(readings.get("8462-4", []))
        pairs = [
            (w, s, diastolic_at[w]) for w, s in readings.get("8480-6", []) if w in diastolic_at
        ]
        if pairs:
            when, systolic, diastolic = pairs[-1]
            row.update(last_visit=when[:10], last_systolic=str(systolic),
                       last_diastolic=str(diastolic),
                       controlled=str(systolic < 140 and diastolic < 90))  # fmt: skip
    else:
        glucose = [(w, v) for w, v in readings.get("14771-0", [])] + [
            (w, v / MGDL_PER_MMOL) for w, v in readings.get("1558-6", [])
        ]
        glucose.sort()
        a1c = readings.get("4548-4", [])
        days = sorted({w[:10] for w, _ in glucose} | {w[:10] for w, _ in a1c})
        if days:
            last = days[-1]
            recent = [v for w, v in a1c if 0 <= (_ordinal(last) - _ordinal(w[:10])) <= 182]
            last_g = [v for w, v in glucose if w[:10] <= last]
            ok = recent[-1] < 7.0 if recent else (
                bool(last_g) and 4.4 <= round(last_g[-1], 1) <= 7.2)  # fmt: skip
            row.update(last_visit=last, controlled=str(ok),
                       last_glucose_mmol=f"{last_g[-1]:.1f}" if last_g else "",
                       last_hba1c=str(a1c[-1][1]) if a1c else "")  # fmt: skip
    if row["last_visit"]:
        row["visited_90d"] = str(NOW_DAY - _ordinal(row["last_visit"]) <= 90)
    return tuple(row[k] for k in CHRONIC_HEADER)


def _ordinal(day: str) -> int:
    return date.fromisoformat(day).toordinal()


def chronic_care(rec: Record, p: Person, diagnosed: set[str], seed: int
                 ) -> list[tuple[str, ...]]:  # fmt: skip
    """Station follow-ups for a diagnosed resident; one truth row per register."""
    codes = [c for c in ("I10", "E11.9") if c in diagnosed]
    if not codes:
        return []
    rng = Random(f"{seed}:chronic:{p.index}")
    visits = 0
    if rng.random() < AT_STATION:
        control = {c: rng.random() < CONTROLLED[c] for c in codes}
        mgdl = rng.random() < 0.4
        month_start = FROM
        while month_start <= HISTORY_END:
            day = month_start + rng.randrange(28)
            if day <= HISTORY_END and rng.random() < 0.85:
                _visit(rec, p, rng, day, codes, control, mgdl)
                visits += 1
            month_start = date.fromordinal(month_start + 32).replace(day=1).toordinal()
    return [_truth_row(p, code, visits, rec) for code in codes]
