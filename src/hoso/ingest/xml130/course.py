"""XML5 rows (clinical course) → an Observation carrying the note, and the vital signs
the note encodes as `CSST<M75_T37_HA120/70_NT18_CN60_CC165_SPO298>`.

Vital-sign keys: M pulse (/min, 8867-4), T temperature (Cel, 8310-5), HA systolic/
diastolic (mm[Hg], panel 85354-9 with 8480-6/8462-4), NT respiratory rate (/min,
9279-1), CN weight (kg, 29463-7), CC height (cm, 8302-2), SPO2 oxygen saturation (%,
59408-5). Other keys (HL, …) are not vital signs FHIR has a LOINC profile for and stay
in the note only. A value that is not a number is skipped with a warning.
"""

from __future__ import annotations

import re
from typing import Any

from hoso.core.jsonx import FhirDecimal
from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.fields import Place, date_time
from hoso.ingest.xml130.wrapper import Row

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
VITAL_SIGNS = {"coding": [{"system": OBS_CATEGORY, "code": "vital-signs",
                           "display": "Vital Signs"}]}  # fmt: skip
# key → (LOINC, display, UCUM)
VITALS = {
    "M": ("8867-4", "Heart rate", "/min"),
    "T": ("8310-5", "Body temperature", "Cel"),
    "NT": ("9279-1", "Respiratory rate", "/min"),
    "CN": ("29463-7", "Body weight", "kg"),
    "CC": ("8302-2", "Body height", "cm"),
    "SPO2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
}
BP = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC, DIASTOLIC = ("8480-6", "Systolic blood pressure"), ("8462-4", "Diastolic blood pressure")
_CSST = re.compile(r"CSST\s*<([^>]*)>", re.IGNORECASE)
_PART = re.compile(r"(SPO2|HA|NT|CN|CC|M|T|[A-Z]+)(.*)", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(\.\d+)?")


def _quantity(value: str, unit: str) -> dict[str, Any]:
    return {"value": FhirDecimal(value), "unit": unit, "system": UCUM, "code": unit}


def _code(loinc: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": loinc, "display": display}]}


def _component(code: tuple[str, str], value: str) -> dict[str, Any]:
    return {"code": _code(*code), "valueQuantity": _quantity(value, "mm[Hg]")}


def vital_signs(text: str, place: Place) -> list[tuple[str, dict[str, Any]]]:
    """(key, Observation fields) of each vital sign encoded in `text`."""
    found = []
    for block in _CSST.findall(text):
        for part in filter(None, (p.strip() for p in block.split("_"))):
            match = _PART.fullmatch(part)
            key, value = (match[1].upper(), match[2].strip()) if match else ("", "")
            if key == "HA":
                sys_dia = value.split("/")
                if len(sys_dia) == 2 and all(_NUMBER.fullmatch(v) for v in sys_dia):
                    found.append(
                        (
                            key,
                            {
                                "code": _code(*BP),
                                "component": [
                                    _component(SYSTOLIC, sys_dia[0]),
                                    _component(DIASTOLIC, sys_dia[1]),
                                ],
                            },
                        )
                    )
                    continue
            elif key in VITALS and _NUMBER.fullmatch(value.replace(",", ".")):
                loinc, display, unit = VITALS[key]
                found.append(
                    (
                        key,
                        {
                            "code": _code(loinc, display),
                            "valueQuantity": _quantity(value.replace(",", "."), unit),
                        },
                    )
                )
                continue
            elif key not in VITALS:
                continue  # not a vital sign with a LOINC profile: the note keeps it
            place.warning("DIEN_BIEN_LS", f"chỉ số sinh tồn '{part}' không đọc được",
                          f"vital sign '{part}' cannot be read")  # fmt: skip
    return found


def add_course(ctx: EpisodeContext, number: int, row: Row) -> None:
    place = ctx.place("XML5", number)
    when = date_time(place, row, "THOI_DIEM_DBLS")
    base: dict[str, Any] = {"resourceType": "Observation", "status": "final",
                            "subject": ctx.subject, "encounter": ctx.encounter}  # fmt: skip
    if when:
        base["effectiveDateTime"] = when
    if row.get("NGUOI_THUC_HIEN"):
        base["performer"] = [{"display": row["NGUOI_THUC_HIEN"]}]
    note = dict(base, code={"text": "Diễn biến lâm sàng"}, valueString=row["DIEN_BIEN_LS"])
    extra = [{"text": f"{label}: {row[k]}"} for k, label in (
        ("GIAI_DOAN_BENH", "Giai đoạn bệnh"), ("HOI_CHAN", "Hội chẩn"),
        ("PHAU_THUAT", "Phẫu thuật")) if row.get(k)]  # fmt: skip
    if extra:
        note["note"] = extra
    ctx.put(note, "XML5", row["STT"])
    for key, fields in vital_signs(row["DIEN_BIEN_LS"], place):
        ctx.put(dict(base, category=[VITAL_SIGNS], **fields), "XML5", row["STT"], key.lower())
