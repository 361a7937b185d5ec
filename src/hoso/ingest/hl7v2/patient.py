"""PID → Patient (and PV1 → Encounter).

PID-3 carries several identifiers told apart by their type (HL7 table 0203): NNVNM,
the national person identifier of Viet Nam, is the CCCD (12 digits; 11 digits is the
leading zero lost by a spreadsheet on the way, an error naming PID-3); HC is the BHYT
health card; MR is the facility's own patient number. The Patient is a plain POST: the
master patient index decides whether it is the resident on file (never ifNoneExist,
which would attach anyone carrying the number).
"""

from __future__ import annotations

import re
from typing import Any

from hoso.ingest.hl7v2.context import MessageContext
from hoso.ingest.hl7v2.message import repetitions, value

V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
GENDER = {"M": "male", "F": "female", "O": "other", "U": "unknown"}
ENCOUNTER_CLASS = {"I": ("IMP", "inpatient encounter"), "O": ("AMB", "ambulatory"),
                   "E": ("EMER", "emergency")}  # fmt: skip


def _cccd(ctx: MessageContext, number: str) -> dict[str, Any] | None:
    if re.fullmatch(r"\d{12}", number):
        return {"use": "official", "system": ctx.settings.cccd_system, "value": number,
                "type": {"coding": [{"system": V2_0203, "code": "NI"}],
                         "text": "Số định danh cá nhân"}}  # fmt: skip
    if re.fullmatch(r"\d{11}", number):
        ctx.error("PID-3", "102", "số CCCD có 11 chữ số: mất số 0 đầu",
                  "CCCD has 11 digits: leading zero lost")  # fmt: skip
    else:
        ctx.error("PID-3", "102", f"'{number}' không phải số CCCD 12 chữ số",
                  f"'{number}' is not a 12-digit CCCD", "W")  # fmt: skip
    return None


def identifiers(ctx: MessageContext) -> list[dict[str, Any]]:
    pid = ctx.message.segment("PID")
    found: list[dict[str, Any]] = []
    for rep in range(1, repetitions(pid, 3) + 1):
        number, kind = value(pid, 3, rep, 1).strip(), value(pid, 3, rep, 5).strip().upper()
        if not number:
            continue
        if kind == "NNVNM":
            cccd = _cccd(ctx, number)
            found += [cccd] if cccd else []
        elif kind == "HC":
            found.append({"use": "official", "system": ctx.settings.bhyt_system, "value": number})
        elif kind == "MR":
            system = f"{ctx.settings.facility_system}/{ctx.facility}/ma-bn"
            found.append({"use": "secondary", "value": number, "system": system})
    return found


def cccd_of(ctx: MessageContext, segment_name: str, field: int) -> str | None:
    """The first NNVNM identifier of a CX field (PID-3, MRG-1)."""
    segment = ctx.message.segment(segment_name)
    for rep in range(1, repetitions(segment, field) + 1):
        if value(segment, field, rep, 5).strip().upper() == "NNVNM":
            return value(segment, field, rep, 1).strip()
    return None


def _name(pid: Any) -> dict[str, Any] | None:
    # XPN: family^given^middle; said in Vietnamese order "Nguyễn Văn An"
    family, given, middle = (value(pid, 5, 1, c).strip() for c in (1, 2, 3))
    if not (family or given):
        return None
    text = " ".join(p for p in (family, middle, given) if p)
    name: dict[str, Any] = {"use": "official", "text": text}
    if family:
        name["family"] = family
    given_names = [p for p in (*middle.split(), given) if p]
    if given_names:
        name["given"] = given_names
    return name


def _address(pid: Any) -> list[dict[str, Any]]:
    # XAD: street^other^city^state^zip^country
    street, other, city, state = (value(pid, 11, 1, c).strip() for c in (1, 2, 3, 4))
    if not (street or city or state):
        return []
    address: dict[str, Any] = {"use": "home", "country": value(pid, 11, 1, 6).strip() or "VN"}
    lines = [p for p in (street, other) if p]
    if lines:
        address["line"] = lines
    address |= {k: v for k, v in (("city", city), ("state", state)) if v}
    address["text"] = ", ".join(p for p in (*lines, city, state) if p)
    return [address]


def add_patient(ctx: MessageContext) -> None:
    pid = ctx.message.segment("PID")
    if pid is None:
        ctx.error("PID", "100", "thiếu phân đoạn PID", "PID segment missing")
        return
    patient: dict[str, Any] = {"resourceType": "Patient"}
    found = identifiers(ctx)
    if found:
        patient["identifier"] = found
    name = _name(pid)
    if name:
        patient["name"] = [name]
    born = ctx.timestamp("PID-7", value(pid, 7), date_only=True)
    if born:
        patient["birthDate"] = born
    sex = value(pid, 8).strip().upper()
    if sex in GENDER:
        patient["gender"] = GENDER[sex]
    elif sex:
        ctx.error("PID-8", "103", f"giới tính '{sex}' không thuộc M, F, O, U",
                  f"sex '{sex}' is not M, F, O or U", "W")  # fmt: skip
    address = _address(pid)
    if address:
        patient["address"] = address
    phone = value(pid, 13, 1, 1).strip() or value(pid, 13, 1, 12).strip()
    if phone:
        patient["telecom"] = [{"system": "phone", "value": phone}]
    urn = MessageContext.urn_of(ctx.business_id("patient", ctx.message.control_id))
    ctx.patient_urn = ctx.add(patient, {"method": "POST", "url": "Patient"}, urn)


def add_encounter(ctx: MessageContext, *, discharged: bool = False) -> dict[str, Any] | None:
    """PV1 → the Encounter, the facility's care claim: before anything else of the
    person's. Keyed by the visit number PV1-19; without it there is no Encounter."""
    pv1 = ctx.message.segment("PV1")
    visit = value(pv1, 19).strip()
    if pv1 is None or not visit:
        if pv1 is not None or discharged:
            ctx.error("PV1-19", "101", "thiếu số lượt khám (PV1-19)", "visit number missing")
        return None
    kind = value(pv1, 2).strip().upper()
    code, display = ENCOUNTER_CLASS.get(kind, ("AMB", "ambulatory"))
    if kind not in ENCOUNTER_CLASS:
        ctx.error("PV1-2", "103", f"loại bệnh nhân '{kind}' không thuộc I, O, E",
                  f"patient class '{kind}' is not I, O or E", "W")  # fmt: skip
    start = ctx.timestamp("PV1-44", value(pv1, 44))
    end = ctx.timestamp("PV1-45", value(pv1, 45))
    if discharged and not end:
        ctx.error("PV1-45", "101", "thiếu ngày giờ ra viện", "discharge date/time missing", "W")
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "status": "finished" if discharged or end else "in-progress",
        "class": {"system": ACT_CODE, "code": code, "display": display},
        "subject": {"reference": ctx.patient_urn},
        "serviceProvider": ctx.facility_ref,
    }
    period = {k: v for k, v in (("start", start), ("end", end)) if v}
    if period:
        encounter["period"] = period
    ctx.encounter_urn = ctx.put(encounter, visit)
    return encounter
