"""XML14 (giấy hẹn khám lại, re-examination slip) → an Appointment.

status booked; start NGAY_HEN_KL (+07:00). The slip gives a moment to come back, not a
length: R4 wants `end` with `start` on a booked appointment (app-3), so end = start.
Participants: the patient (accepted: the slip was handed over) and the doctor who
examined (MA_BAC_SI, by practising certificate). appointmentType FOLLOWUP (v2-0276);
reasonCode the discharge diagnosis codes (ICD-10) with CHAN_DOAN_RV as text;
description the diagnosis and the slip number; created NGAY_CT; the episode's
Encounter in supportingInformation (R4 Appointment has no encounter element).

Identifier `<MA_CSKCB>-<MA_LK>-XML14-<row>` (conditional PUT); the slip's own number
SO_GIAYHEN_KL is a second identifier. An appointment before discharge (NGAY_HEN_KL <
XML1's NGAY_RA) is a warning, as the check sheet asks.
"""

from __future__ import annotations

from typing import Any

from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.documents import Signer, checked_dates, person
from hoso.ingest.xml130.encounter import ICD10, fhir_icd10
from hoso.ingest.xml130.fields import split_codes
from hoso.ingest.xml130.patient import CS
from hoso.ingest.xml130.wrapper import Row

FOLLOW_UP = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0276",
                         "code": "FOLLOWUP",
                         "display": "A follow up visit from a previous appointment"}]}  # fmt: skip
DOCTOR = Signer("MA_BAC_SI", None, "professional", "Bác sĩ khám bệnh", "cchn")


def reason_codes(row: Row) -> list[dict[str, Any]]:
    """The diagnosis codes of a paper (main, then secondary), ICD-10 as in XML1."""
    codes = split_codes(row.get("MA_BENH_CHINH")) + split_codes(row.get("MA_BENH_KT"))
    codings = [{"system": ICD10, "code": fhir_icd10(c)} for c in codes]
    codings += [{"system": CS + "yhct", "code": c} for c in split_codes(row.get("MA_BENH_YHCT"))]
    concept: dict[str, Any] = {"coding": codings} if codings else {}
    if row.get("CHAN_DOAN_RV"):
        concept["text"] = row["CHAN_DOAN_RV"]
    return [concept] if concept else []


def add_appointment(ctx: EpisodeContext, number: int, row: Row, discharge: str | None) -> None:
    place = ctx.place("XML14", number)
    dates = checked_dates(place, row)
    start = dates.get("NGAY_HEN_KL")
    if start is None or "T" not in start:
        if "NGAY_HEN_KL" in row and start:
            place.error("NGAY_HEN_KL", "thời điểm hẹn phải có giờ phút (yyyyMMddHHmm)",
                        "the appointment needs hour and minute (yyyyMMddHHmm)")  # fmt: skip
        return
    if discharge and "T" in discharge and start < discharge:
        place.warning("NGAY_HEN_KL", "ngày hẹn khám lại trước ngày ra viện",
                      "re-examination before discharge")  # fmt: skip
    participants: list[dict[str, Any]] = [{"actor": ctx.subject, "status": "accepted"}]
    doctor = person(ctx, DOCTOR, row)
    if doctor:
        participants.append({"actor": doctor, "status": "accepted"})
    appointment: dict[str, Any] = {
        "resourceType": "Appointment", "status": "booked", "appointmentType": FOLLOW_UP,
        "start": start, "end": start, "participant": participants,
        "supportingInformation": [ctx.encounter],
    }  # fmt: skip
    reasons = reason_codes(row)
    if reasons:
        appointment["reasonCode"] = reasons
    text = ["Hẹn khám lại"] + [row[k] for k in ("CHAN_DOAN_RV",) if row.get(k)]
    if row.get("SO_GIAYHEN_KL"):
        text.append(f"giấy hẹn số {row['SO_GIAYHEN_KL']}")
        appointment["identifier"] = [{"type": {"text": "Số giấy hẹn khám lại"},
                                      "value": row["SO_GIAYHEN_KL"]}]  # fmt: skip
    appointment["description"] = " — ".join(text)
    if "NGAY_CT" in dates:
        appointment["created"] = dates["NGAY_CT"]
    ctx.put(appointment, "XML14", str(number))
