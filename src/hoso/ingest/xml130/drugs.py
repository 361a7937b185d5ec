"""XML2 rows (drugs, blood, oxygen) → MedicationRequest.

MA_THUOC is the facility/BHXH drug code, SO_DANG_KY the registration number: both are
codings of the medication, so the drug stays findable by either. SO_LUONG keeps its
digits as written (FhirDecimal: "10.000" is not rounded through a float).
"""

from __future__ import annotations

from typing import Any

from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.fields import date_time, decimal
from hoso.ingest.xml130.patient import CS
from hoso.ingest.xml130.wrapper import Row

DRUG_CODE = CS + "ma-thuoc"
REGISTRATION = CS + "so-dang-ky-thuoc"
ROUTE = CS + "duong-dung"


def add_drug(ctx: EpisodeContext, number: int, row: Row) -> None:
    place = ctx.place("XML2", number)
    codings = []
    if row.get("MA_THUOC"):
        codings.append(
            {"system": DRUG_CODE, "code": row["MA_THUOC"]}
            | ({"display": row["TEN_THUOC"]} if row.get("TEN_THUOC") else {})
        )
    if row.get("SO_DANG_KY"):
        codings.append({"system": REGISTRATION, "code": row["SO_DANG_KY"]})
    medication: dict[str, Any] = {"coding": codings} if codings else {}
    label = " ".join(v for v in (row.get("TEN_THUOC"), row.get("HAM_LUONG")) if v)
    if label:
        medication["text"] = label
    if not medication:
        place.error("MA_THUOC", "thiếu mã và tên thuốc", "drug code and name missing")
        return
    dosage: dict[str, Any] = {}
    text = "; ".join(v for v in (row.get("LIEU_DUNG"), row.get("CACH_DUNG")) if v)
    if text:
        dosage["text"] = text
    if row.get("DUONG_DUNG"):
        dosage["route"] = {"coding": [{"system": ROUTE, "code": row["DUONG_DUNG"]}]}
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": medication,
        "subject": ctx.subject,
        "encounter": ctx.encounter,
    }
    authored = date_time(place, row, "NGAY_YL")
    if authored:
        request["authoredOn"] = authored
    if row.get("MA_BAC_SI"):
        request["requester"] = {"display": row["MA_BAC_SI"], "identifier": {
            "system": f"{ctx.settings.facility_system}/{ctx.facility}/bac-si",
            "value": row["MA_BAC_SI"]}}  # fmt: skip
    if dosage:
        request["dosageInstruction"] = [dosage]
    quantity = decimal(place, row, "SO_LUONG")
    if quantity is not None:
        amount: dict[str, Any] = {"value": quantity}
        if row.get("DON_VI_TINH"):
            amount["unit"] = row["DON_VI_TINH"]
        request["dispenseRequest"] = {"quantity": amount}
    ctx.put(request, "XML2", row["STT"])
