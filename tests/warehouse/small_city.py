"""A hand-made city of eight residents, small enough to work every indicator out by hand
(the answers are in tests/warehouse/test_group1.py, next to the asserts).

Wards 26734 and 26737; facilities F1 (a clinic), F2 and F3 (hospitals).
- p1 female 1980, 26734          - p5 female 1990, 26737
- p2 male 2024, 26734            - p6 male, no birth year, 26737
- p3 male 1950, 26734, died 10/03/2025 (in hospital, e4)
- p4 female 2000, 26737, deceased with no date (in no population)
- p7 female 1970, no ward (not a resident: facility rows only)
- p8 male 2024, 26737
"""

from __future__ import annotations

from typing import Any

W1, W2 = "26734", "26737"
CVX = "http://hl7.org/fhir/sid/cvx"


def _patient(pid: str, gender: str, birth: int | None, ward: str, **extra: Any) -> dict[str, Any]:
    return {"id": pid, "gender": gender, "birth_year": birth, "ward": ward, "period": "",
            **extra}  # fmt: skip


def _enc(eid: str, pid: str, ward: str, cls: str, start: str, end: str, facility: str,
         reason: str | None, **extra: Any) -> dict[str, Any]:
    return {"id": eid, "patient_id": pid, "status": extra.pop("status", "finished"),
            "class": cls, "start": start, "end": end, "facility_id": facility,
            "reason_icd10": reason, "ward": ward, "period": start[:7], **extra}  # fmt: skip


def _cond(cid: str, pid: str, ward: str, icd10: str, clinical: str, verification: str,
          onset: str | None, recorded: str | None = None,
          encounter: str | None = None) -> dict[str, Any]:
    return {"id": cid, "patient_id": pid, "encounter_id": encounter, "icd10": icd10,
            "clinical_status": clinical, "verification_status": verification,
            "onset": onset, "recorded": recorded, "ward": ward,
            "period": (onset or recorded or "")[:7]}  # fmt: skip


def _imm(iid: str, pid: str, ward: str, code: str, day: str,
         status: str = "completed") -> dict[str, Any]:
    return {"id": iid, "patient_id": pid, "status": status, "vaccine_code": code,
            "vaccine_system": CVX, "occurrence": day, "ward": ward, "period": day[:7]}  # fmt: skip


PATIENTS = [
    _patient("p1", "female", 1980, W1),
    _patient("p2", "male", 2024, W1),
    _patient("p3", "male", 1950, W1, deceased_at="2025-03-10"),
    _patient("p4", "female", 2000, W2, deceased=True),
    _patient("p5", "female", 1990, W2),
    _patient("p6", "male", None, W2),
    _patient("p7", "female", 1970, ""),
    _patient("p8", "male", 2024, W2),
]
ENCOUNTERS = [
    _enc("e1", "p1", W1, "AMB", "2025-01-05", "2025-01-05", "F1", "I10"),
    _enc("e2", "p1", W1, "AMB", "2025-01-20", "2025-01-20", "F1", None,
         primary_condition_id="c1"),
    _enc("e3", "p3", W1, "IMP", "2025-02-01", "2025-02-10", "F2", "J44.1", discharge="home",
         treatment_result="2"),
    _enc("e4", "p3", W1, "IMP", "2025-03-01", "2025-03-10", "F2", "J44.1", discharge="exp",
         treatment_result="5"),
    _enc("e5", "p5", W2, "AMB", "2025-01-07", "2025-01-07", "F1", "A09", status="cancelled"),
    _enc("e6", "p5", W2, "EMER", "2025-01-07", "2025-01-07", "F1", "A09"),
    _enc("e7", "p7", "", "AMB", "2025-01-09", "2025-01-09", "F1", "I10"),
    _enc("e8", "p6", W2, "IMP", "2025-04-01", "2025-04-05", "F2", "K35.8", discharge="home"),
    _enc("e9", "p6", W2, "IMP", "2025-05-06", "2025-05-08", "F2", "K358", discharge="home"),
    _enc("e10", "p2", W1, "AMB", "2024-11-03", "2024-11-03", "F1", "J06.9"),
    _enc("e11", "p1", W1, "IMP", "2025-06-01", "2025-06-03", "F2", "O80",
         discharge="other-hcf"),
    _enc("e12", "p1", W1, "IMP", "2025-06-03", "2025-06-08", "F3", "O80", discharge="home"),
    _enc("e14", "p5", W2, "AMB", "2025-01-15", "2025-01-15", "F1", None),
]
CONDITIONS = [
    _cond("c1", "p1", W1, "E11.9", "active", "confirmed", "2025-01-20", encounter="e2"),
    _cond("c2", "p1", W1, "I10", "active", "confirmed", "2024-06-01", "2025-01-05"),
    _cond("c3", "p3", W1, "J44.1", "active", "confirmed", "2025-02-01"),
    _cond("c4", "p5", W2, "E11", "active", "unconfirmed", "2025-01-01"),
    _cond("c5", "p5", W2, "J45.9", "resolved", "confirmed", "2025-01-01"),
    _cond("c6", "p6", W2, "I11.9", "active", "confirmed", "2026-01-05"),
    _cond("c7", "p5", W2, "E10.9", "active", "confirmed", None, "2025-07-01"),
    _cond("c8", "p1", W1, "I15.0", "active", "confirmed", "2025-02-01"),
]
IMMUNIZATIONS = [
    _imm("i1", "p2", W1, "19", "2024-01-02"),
    _imm("i2", "p2", W1, "102", "2024-03-01"),
    _imm("i3", "p2", W1, "102", "2024-04-01"),
    _imm("i4", "p2", W1, "102", "2024-05-01"),
    _imm("i5", "p2", W1, "178", "2024-03-01"),
    _imm("i6", "p2", W1, "178", "2024-04-01"),
    _imm("i7", "p2", W1, "10", "2024-06-01"),
    _imm("i8", "p2", W1, "05", "2025-10-01"),
    _imm("i9", "p8", W2, "102", "2024-03-05"),
    _imm("i10", "p8", W2, "102", "2024-04-05"),
    _imm("i11", "p8", W2, "102", "2024-05-05", status="not-done"),
    _imm("i12", "p8", W2, "04", "2026-01-10"),
]
DATA = {"patient": PATIENTS, "encounter": ENCOUNTERS, "condition": CONDITIONS,
        "immunization": IMMUNIZATIONS}  # fmt: skip
