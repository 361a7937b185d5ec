"""XML1 episode fields → Encounter, and its diagnoses → Conditions.

MA_LOAI_KCB → Encounter.class (v3 ActCode): 01 khám and 02 điều trị ngoại trú → AMB;
03 nội trú → IMP; 04 nội trú ban ngày → SS (short stay); any other code → AMB, with the
code kept in Encounter.type. Status is finished once NGAY_RA is there, in-progress
before. MA_LOAI_RV → hospitalization.dischargeDisposition; KET_QUA_DTRI (1 khỏi …
8 tử vong ngoại viện) → an extension, codes kept as strings.

Diagnoses: MA_BENH_CHINH is rank 1 in Encounter.diagnosis, MA_BENH_KT (at most 12) and
MA_BENH_YHCT follow. A code outside the QĐ 4469 list, one the list forbids as main
diagnosis, or one for the other sex is a warning: the doctor's coding stays as sent.
"""

from __future__ import annotations

from typing import Any

from hoso.ingest.quality.codes import is_icd10
from hoso.ingest.xml130 import icd10_rules
from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.fields import Place, date_time, split_codes
from hoso.ingest.xml130.patient import CS, SD
from hoso.ingest.xml130.wrapper import Row

ICD10 = "http://hl7.org/fhir/sid/icd-10"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_CLASS = {"01": ("AMB", "ambulatory"), "02": ("AMB", "ambulatory"),
          "03": ("IMP", "inpatient encounter"), "04": ("SS", "short stay")}  # fmt: skip
_DISCHARGE = {"1": ("home", "Ra viện"), "2": ("other-hcf", "Chuyển tuyến chuyên môn"),
              "3": ("aadvice", "Trốn viện"), "4": ("aadvice", "Xin ra viện"),
              "5": ("other-hcf", "Chuyển tuyến theo yêu cầu")}  # fmt: skip
TREATMENT_RESULT = SD + "ket-qua-dieu-tri"
MAX_SECONDARY = 12


def encounter_resource(ctx: EpisodeContext, place: Place, row: Row) -> dict[str, Any]:
    kind = row.get("MA_LOAI_KCB", "")
    code, display = _CLASS.get(kind, ("AMB", "ambulatory"))
    start, end = date_time(place, row, "NGAY_VAO"), date_time(place, row, "NGAY_RA")
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "status": "finished" if end else "in-progress",
        "class": {"system": ACT_CODE, "code": code, "display": display},
        "type": [{"coding": [{"system": CS + "ma-loai-kcb", "code": kind}]}] if kind else [],
        "subject": ctx.subject,
        "period": {k: v for k, v in (("start", start), ("end", end)) if v},
        "serviceProvider": ctx.facility_ref,
    }
    if start and end and end < start:
        place.error("NGAY_RA", "ngày ra viện trước ngày vào viện", "discharge before admission")
    if row.get("LY_DO_VV"):
        encounter["reasonCode"] = [{"text": row["LY_DO_VV"]}]
    if row.get("MA_KHOA"):
        encounter["location"] = [{"location": {"display": f"Khoa {row['MA_KHOA']}"}}]
    hospitalization = {}
    if row.get("MA_LOAI_RV") in _DISCHARGE:
        disposition, text = _DISCHARGE[row["MA_LOAI_RV"]]
        hospitalization["dischargeDisposition"] = {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/discharge-disposition",
            "code": disposition}, {"system": CS + "ma-loai-rv", "code": row["MA_LOAI_RV"]}],
            "text": text}  # fmt: skip
    if hospitalization:
        encounter["hospitalization"] = hospitalization
    if row.get("KET_QUA_DTRI"):
        encounter["extension"] = [
            {
                "url": TREATMENT_RESULT,
                "valueCodeableConcept": {
                    "coding": [{"system": CS + "ket-qua-dtri", "code": row["KET_QUA_DTRI"]}]
                },
            }
        ]
    if not encounter["type"]:
        del encounter["type"]
    return encounter


def add_encounter(ctx: EpisodeContext, place: Place, row: Row) -> dict[str, Any]:
    encounter = encounter_resource(ctx, place, row)
    ctx.encounter_urn = ctx.put(encounter)
    return encounter


def fhir_icd10(code: str) -> str:
    """`I109` (as the XML writes it) → `I10.9`; a dotted or 3-character code unchanged."""
    code = code.strip().upper().rstrip("†*")
    if "." not in code and len(code) > 3:
        return f"{code[:3]}.{code[3:]}"
    return code


def _check_code(place: Place, name: str, code: str, main: bool, gender: str | None) -> None:
    plain = code.replace(".", "")
    if not is_icd10(code):
        place.warning(name, f"mã ICD-10 '{code}' không có trong danh mục QĐ 4469",
                      f"ICD-10 code '{code}' is not in the QĐ 4469 list")  # fmt: skip
        return
    if main and any(plain.startswith(c) for c in icd10_rules.NOT_MAIN):
        place.warning(name, f"mã '{code}' không được dùng làm bệnh chính",
                      f"code '{code}' is not allowed as the main diagnosis")  # fmt: skip
    wrong = {"male": icd10_rules.FEMALE_ONLY, "female": icd10_rules.MALE_ONLY}.get(gender or "")
    if wrong and any(plain.startswith(c) for c in wrong):
        place.warning(name, f"mã '{code}' không phù hợp giới tính người bệnh",
                      f"code '{code}' does not match the patient's sex")  # fmt: skip


def add_conditions(ctx: EpisodeContext, place: Place, row: Row, encounter: dict,
                   gender: str | None) -> None:  # fmt: skip
    listed: list[tuple[str, str]] = [("MA_BENH_CHINH", c) for c in split_codes(
        row.get("MA_BENH_CHINH"))[:1]]  # fmt: skip
    secondary = split_codes(row.get("MA_BENH_KT"))
    if len(secondary) > MAX_SECONDARY:
        place.warning("MA_BENH_KT", f"{len(secondary)} mã bệnh kèm theo, tối đa 12",
                      f"{len(secondary)} secondary diagnoses, at most 12")  # fmt: skip
    listed += [("MA_BENH_KT", c) for c in secondary]
    listed += [("MA_BENH_YHCT", c) for c in split_codes(row.get("MA_BENH_YHCT"))]
    diagnoses, seen = [], set()
    for name, raw in listed:
        code = fhir_icd10(raw) if name != "MA_BENH_YHCT" else raw
        if code in seen:
            continue
        seen.add(code)
        if name != "MA_BENH_YHCT":
            _check_code(place, name, code, name == "MA_BENH_CHINH", gender)
        ctx.put(_condition(ctx, name, code, row), "dx", code)
        # by identifier, not by urn: Condition.encounter already points back, and the
        # transaction processor cannot order two conditional updates that cite each other
        diagnoses.append(
            {
                "condition": {"identifier": ctx.business_id("dx", code), "display": code},
                "rank": len(diagnoses) + 1,
            }
        )
    if diagnoses:
        encounter["diagnosis"] = diagnoses


def _condition(ctx: EpisodeContext, name: str, code: str, row: Row) -> dict[str, Any]:
    system = CS + "yhct" if name == "MA_BENH_YHCT" else ICD10
    text = row.get("CHAN_DOAN_RV") if name == "MA_BENH_CHINH" else None
    concept: dict[str, Any] = {"coding": [{"system": system, "code": code}]}
    if text:
        concept["text"] = text
    return {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed"}]},
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
            "code": "encounter-diagnosis"}]}],
        "code": concept,
        "subject": ctx.subject,
        "encounter": ctx.encounter,
    }  # fmt: skip
