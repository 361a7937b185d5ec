"""A seeded random city in the warehouse's table layout: a few thousand rows with the
awkward cases the hand-made one has (no birth year, deaths with and without a date,
non-residents, cancelled encounters, XML 130 codes without the dot, codes outside the
list, partial dates, inpatient stays close together), for comparing engines on the same
data."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random
from typing import Any

WARDS = ("26734", "26737", "26740", "27004")
FACILITIES = ("79001", "79002", "79003", "79004")
CODES = ("I10", "I11.9", "E11.9", "E119", "J44.1", "J45.9", "N18.3", "C50.9", "A09", "J06.9",
         "K35.8", "O80", "S52.5", "Z00.0", "U07.1", "R50.9", "F32.9", "D49", "XYZ", "")  # fmt: skip
VACCINES = ("19", "08", "102", "178", "10", "05", "04", "39", "01", "139", "999")


def _day(rng: Random, start: date, span: int) -> date:
    return start + timedelta(days=rng.randrange(span))


def generate(seed: int = 20, residents: int = 400) -> dict[str, list[dict[str, Any]]]:
    rng = Random(seed)
    patients, encounters, conditions, immunizations = [], [], [], []
    for n in range(residents):
        pid = f"anon-p{n:05d}"
        ward = "" if rng.random() < 0.05 else rng.choice(WARDS)
        birth = None if rng.random() < 0.03 else rng.choice(
            (2023, 2024, 2024, 2025, rng.randrange(1930, 2023)))
        died = rng.random()
        row: dict[str, Any] = {"id": pid, "gender": rng.choice(("male", "female", "female",
                               "male", "unknown", None)), "birth_year": birth, "ward": ward,
                               "period": ""}  # fmt: skip
        if died < 0.04:
            row["deceased_at"] = _day(rng, date(2024, 1, 1), 720).isoformat()
        elif died < 0.06:
            row["deceased"] = True
        elif died < 0.5:
            row["deceased"] = False
        patients.append(row)
        day = _day(rng, date(2024, 1, 1), 60)
        for k in range(rng.randrange(12)):
            day += timedelta(days=rng.randrange(1, 90))
            cls = rng.choice(("AMB", "AMB", "AMB", "IMP", "IMP", "EMER"))
            end = day + timedelta(days=rng.randrange(1, 9) if cls == "IMP" else 0)
            eid, cid = f"anon-e{n:05d}-{k}", f"anon-c{n:05d}-{k}"
            code = rng.choice(CODES)
            by_condition = rng.random() < 0.3
            enc = {"id": eid, "patient_id": pid, "status": rng.choice(
                ("finished",) * 8 + ("cancelled", "entered-in-error", "in-progress", None)),
                "class": cls, "start": day.isoformat(), "facility_id": rng.choice(FACILITIES),
                "reason_icd10": None if by_condition else code or None, "ward": ward,
                "period": day.isoformat()[:7]}  # fmt: skip
            if rng.random() < 0.95:
                # now and then a partial date, as FHIR allows ('2025-02')
                enc["end"] = end.isoformat()[: 7 if rng.random() < 0.03 else 10]
            if rng.random() < 0.02:
                enc["start"] = enc["start"][:7]
            if by_condition:
                enc["primary_condition_id"] = cid
            if cls == "IMP":
                enc["discharge"] = rng.choice(("home",) * 6 + ("other-hcf", "exp", "aadvice"))
                enc["treatment_result"] = rng.choice(("1", "2", "2", "3", "4", "5", "8", None))
            encounters.append(enc)
            conditions.append({
                "id": cid, "patient_id": pid, "encounter_id": eid, "icd10": code or None,
                "clinical_status": rng.choice(("active", "active", "resolved", "recurrence",
                                               None)),
                "verification_status": rng.choice(("confirmed", "confirmed", "unconfirmed")),
                "onset": None if rng.random() < 0.1 else day.isoformat(),
                "recorded": end.isoformat(), "ward": ward, "period": day.isoformat()[:7],
            })  # fmt: skip
        if birth is not None and birth >= 2023:
            for k in range(rng.randrange(10)):
                when = _day(rng, date(birth, 1, 1), 900)
                immunizations.append({
                    "id": f"anon-i{n:05d}-{k}", "patient_id": pid,
                    "status": rng.choice(("completed",) * 9 + ("not-done",)),
                    "vaccine_code": rng.choice(VACCINES),
                    "vaccine_system": "http://hl7.org/fhir/sid/cvx",
                    "occurrence": when.isoformat(), "ward": ward, "period": when.isoformat()[:7],
                })  # fmt: skip
    return {"patient": patients, "encounter": encounters, "condition": conditions,
            "immunization": immunizations}  # fmt: skip
