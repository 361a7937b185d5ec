"""XML2 rows (drugs, blood, oxygen) → MedicationRequest, and the MedicationDispense
that filled it.

MA_THUOC is the facility/BHXH drug code, SO_DANG_KY the registration number: both are
codings of the medication, so the drug stays findable by either. SO_LUONG keeps its
digits as written (FhirDecimal: "10.000" is not rounded through a float).

An XML2 row is a drug the patient actually received ("thực tế sử dụng cho người bệnh",
the annex's SO_LUONG): the order (NGAY_YL, MA_BAC_SI, LIEU_DUNG) is the MedicationRequest,
the handing over a completed MedicationDispense (cấp phát) authorised by it: the same
medication and quantity, `whenHandedOver` NGAY_TH_YL (the order carried out; absent, the
time is left out rather than guessed), the facility as performer. Its business
identifier is the request's with `-cap-phat`, so a resubmitted row replaces both.
MA_CSKCB_THUOC (a drug moved from another facility) is billing and stays in the source.
"""

from __future__ import annotations

import copy
from typing import Any

from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.fields import Place, date_time, decimal
from hoso.ingest.xml130.patient import CS
from hoso.ingest.xml130.wrapper import Row

DRUG_CODE = CS + "ma-thuoc"
REGISTRATION = CS + "so-dang-ky-thuoc"
ROUTE = CS + "duong-dung"
DISPENSE_SUFFIX = "cap-phat"


def _medication(row: Row) -> dict[str, Any]:
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
    return medication


def _dosage(row: Row) -> dict[str, Any]:
    dosage: dict[str, Any] = {}
    text = "; ".join(v for v in (row.get("LIEU_DUNG"), row.get("CACH_DUNG")) if v)
    if text:
        dosage["text"] = text
    if row.get("DUONG_DUNG"):
        dosage["route"] = {"coding": [{"system": ROUTE, "code": row["DUONG_DUNG"]}]}
    return dosage


def _quantity(place: Place, row: Row) -> dict[str, Any] | None:
    value = decimal(place, row, "SO_LUONG")
    if value is None:
        return None
    amount: dict[str, Any] = {"value": value}
    if row.get("DON_VI_TINH"):
        amount["unit"] = row["DON_VI_TINH"]
    return amount


def add_drug(ctx: EpisodeContext, number: int, row: Row) -> None:
    place = ctx.place("XML2", number)
    medication = _medication(row)
    if not medication:
        place.error("MA_THUOC", "thiếu mã và tên thuốc", "drug code and name missing")
        return
    dosage, quantity = _dosage(row), _quantity(place, row)
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
    if quantity is not None:
        request["dispenseRequest"] = {"quantity": quantity}
    prescription = ctx.put(request, "XML2", row["STT"])
    dispense: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "status": "completed",
        # Copies: the two resources are validated and stored apart.
        "medicationCodeableConcept": copy.deepcopy(medication),
        "subject": ctx.subject,
        "context": ctx.encounter,
        "performer": [{"actor": ctx.facility_ref}],
        "authorizingPrescription": [{"reference": prescription}],
    }
    if quantity is not None:
        dispense["quantity"] = copy.deepcopy(quantity)
    handed_over = date_time(place, row, "NGAY_TH_YL")
    if handed_over:
        dispense["whenHandedOver"] = handed_over
    if dosage:
        dispense["dosageInstruction"] = [copy.deepcopy(dosage)]
    ctx.put(dispense, "XML2", row["STT"], DISPENSE_SUFFIX)
