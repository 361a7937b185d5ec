"""ORU^R01 → a DiagnosticReport per OBR with an Observation per OBX under it, and
VXU^V04 → an Immunization per RXA.

Keys (so a resent or corrected result replaces): the report is `<facility>-<order>`
with the order the filler's number OBR-3 (the placer's OBR-2 without it); each
Observation adds its OBX-1 set id. An Immunization is `<facility>-vx-<ORC-3>`, or,
without a filler number, the patient's CCCD, vaccine code and date, which identify one
dose as well.
"""

from __future__ import annotations

import re
from typing import Any

from hl7.containers import Segment

from hoso.ingest.hl7v2.context import MessageContext
from hoso.ingest.hl7v2.message import value
from hoso.ingest.hl7v2.patient import cccd_of

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CVX = "http://hl7.org/fhir/sid/cvx"
CS = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/"
NATIONAL_VACCINE = CS + "vac-xin"
V2_0078 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_STATUS = {"F": "final", "C": "corrected", "P": "preliminary", "R": "preliminary",
                      "X": "cancelled", "D": "entered-in-error"}  # fmt: skip
REPORT_STATUS = {"F": "final", "C": "corrected", "P": "preliminary", "I": "registered",
                 "R": "partial", "X": "cancelled"}  # fmt: skip
# UCUM units are case-sensitive printable symbols without spaces: "mmol/L", "10*9/L", "%"
_UCUM_LIKE = re.compile(r"[A-Za-z0-9%/.*\[\]{}'^-]+")


def _code(segment: Segment, field: int, local: str) -> dict[str, Any]:
    """CE/CWE → CodeableConcept: LN is LOINC; any other system stays a local code."""
    code, text, system = (value(segment, field, 1, c).strip() for c in (1, 2, 3))
    systems = {"LN": LOINC, "CVX": CVX, "UCUM": UCUM, "SCT": "http://snomed.info/sct"}
    concept: dict[str, Any] = {}
    if code:
        concept["coding"] = [{"system": systems.get(system.upper(), CS + local), "code": code}]
        if text:
            concept["coding"][0]["display"] = text
    if text:
        concept["text"] = text
    return concept


def _value(ctx: MessageContext, obx: Segment, where: str) -> dict[str, Any]:
    kind, raw = value(obx, 2).strip().upper(), value(obx, 5).strip()
    if not raw:
        return {}
    if kind == "NM":
        try:
            number = float(raw)
        except ValueError:
            ctx.error(f"{where}-5", "102", f"'{raw}' không phải số", f"'{raw}' is not a number")
            return {}
        quantity: dict[str, Any] = {"value": int(number) if number.is_integer() and "." not in raw
                                    else number}  # fmt: skip
        unit = value(obx, 6, 1, 1).strip()
        if unit:
            quantity["unit"] = unit
            if value(obx, 6, 1, 3).upper() == "UCUM" or _UCUM_LIKE.fullmatch(unit):
                quantity |= {"system": UCUM, "code": unit}
        return {"valueQuantity": quantity}
    if kind in ("CE", "CWE"):
        return {"valueCodeableConcept": _code(obx, 5, "ket-qua")}
    if kind not in ("ST", "TX", "FT"):
        ctx.error(f"{where}-2", "102", f"kiểu giá trị '{kind}' được lưu dạng văn bản",
                  f"value type '{kind}' kept as text", "W")  # fmt: skip
    return {"valueString": raw}


def _observation(ctx: MessageContext, obx: Segment, number: int) -> dict[str, Any]:
    where = "OBX" if number == 1 else f"OBX[{number}]"
    status = value(obx, 11).strip().upper()
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "status": OBSERVATION_STATUS.get(status, "final"),
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "laboratory"}]}],
        "code": _code(obx, 3, "xet-nghiem"),
        "subject": {"reference": ctx.patient_urn},
    }  # fmt: skip
    if status and status not in OBSERVATION_STATUS:
        ctx.error(f"{where}-11", "103", f"trạng thái '{status}' không rõ",
                  f"result status '{status}' unknown", "W")  # fmt: skip
    if ctx.encounter_urn:
        observation["encounter"] = {"reference": ctx.encounter_urn}
    effective = ctx.timestamp(f"{where}-14", value(obx, 14))
    if effective:
        observation["effectiveDateTime"] = effective
    observation |= _value(ctx, obx, where)
    flag = value(obx, 8).strip()
    if flag:
        observation["interpretation"] = [{"coding": [{"system": V2_0078, "code": flag}]}]
    low_high = value(obx, 7).strip()
    if low_high:
        observation["referenceRange"] = [{"text": low_high}]
    return observation


def _groups(ctx: MessageContext) -> list[tuple[Segment, list[Segment]]]:
    groups: list[tuple[Segment, list[Segment]]] = []
    for segment in ctx.message.parsed:
        name = str(segment[0])
        if name == "OBR":
            groups.append((segment, []))
        elif name == "OBX" and groups:
            groups[-1][1].append(segment)
        elif name == "OBX":
            ctx.error("OBX", "100", "OBX đứng trước OBR", "OBX before any OBR")
    return groups


def add_results(ctx: MessageContext) -> None:
    groups = _groups(ctx)
    if not groups:
        ctx.error("OBR", "100", "thiếu phân đoạn OBR", "OBR segment missing")
    seen_obx = 0
    for index, (obr, observations) in enumerate(groups, 1):
        where = "OBR" if index == 1 else f"OBR[{index}]"
        order = value(obr, 3).strip() or value(obr, 2).strip()
        if not order:
            ctx.error(f"{where}-3", "101", "thiếu số phiếu chỉ định (OBR-3/OBR-2)",
                      "order number missing (OBR-3/OBR-2)")  # fmt: skip
            continue
        results = []
        for obx in observations:
            seen_obx += 1
            set_id = value(obx, 1).strip() or str(len(results) + 1)
            urn = ctx.put(_observation(ctx, obx, seen_obx), order, set_id)
            results.append({"reference": urn})
        report: dict[str, Any] = {
            "resourceType": "DiagnosticReport",
            "status": REPORT_STATUS.get(value(obr, 25).strip().upper(), "final"),
            "code": _code(obr, 4, "xet-nghiem"),
            "subject": {"reference": ctx.patient_urn},
            "performer": [ctx.facility_ref],
            "result": results,
        }
        if ctx.encounter_urn:
            report["encounter"] = {"reference": ctx.encounter_urn}
        effective = ctx.timestamp(f"{where}-7", value(obr, 7))
        if effective:
            report["effectiveDateTime"] = effective
        ctx.put(report, order)


def _doses(ctx: MessageContext) -> list[tuple[str, Segment]]:
    """Each RXA with the filler order number of the ORC before it (its order group)."""
    doses, filler = [], ""
    for segment in ctx.message.parsed:
        name = str(segment[0])
        if name == "ORC":
            filler = value(segment, 3).strip()
        elif name == "RXA":
            doses.append((filler, segment))
            filler = ""
    return doses


def add_immunizations(ctx: MessageContext) -> None:
    doses = _doses(ctx)
    if not doses:
        ctx.error("RXA", "100", "thiếu phân đoạn RXA", "RXA segment missing")
    for index, (filler, rxa) in enumerate(doses, 1):
        where = "RXA" if index == 1 else f"RXA[{index}]"
        immunization = _immunization(ctx, rxa, where)
        if immunization is None:
            continue
        code = immunization["vaccineCode"]["coding"][0]["code"]
        date = immunization["occurrenceDateTime"][:10].replace("-", "")
        key = ("vx", filler) if filler else ("vx", cccd_of(ctx, "PID", 3) or "", code, date)
        ctx.put(immunization, *key)


def _immunization(ctx: MessageContext, rxa: Segment, where: str) -> dict[str, Any] | None:
    code, text, system = (value(rxa, 5, 1, c).strip() for c in (1, 2, 3))
    when = ctx.timestamp(f"{where}-3", value(rxa, 3))
    if not code or not when:
        ctx.error(f"{where}-5" if not code else f"{where}-3", "101",
                  "thiếu mã vắc xin hoặc ngày tiêm", "vaccine code or date missing")  # fmt: skip
        return None
    coding = {"system": CVX if system.upper() == "CVX" else NATIONAL_VACCINE, "code": code}
    if text:
        coding["display"] = text
    completion = value(rxa, 20).strip().upper()
    # RXA-20 (table 0322): CP complete, PA partial, RE refused, NA not administered
    status = {"RE": "not-done", "NA": "not-done", "PA": "completed"}.get(completion, "completed")
    immunization: dict[str, Any] = {
        "resourceType": "Immunization",
        "status": status,
        "vaccineCode": {"coding": [coding], **({"text": text} if text else {})},
        "patient": {"reference": ctx.patient_urn},
        "occurrenceDateTime": when,
        "performer": [{"actor": ctx.facility_ref}],
    }
    if ctx.encounter_urn:
        immunization["encounter"] = {"reference": ctx.encounter_urn}
    lot = value(rxa, 15).strip()
    if lot:
        immunization["lotNumber"] = lot
    maker, maker_name = value(rxa, 17, 1, 1).strip(), value(rxa, 17, 1, 2).strip()
    if maker or maker_name:
        immunization["manufacturer"] = {"display": maker_name or maker}
    return immunization
