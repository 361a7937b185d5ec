"""XML3 rows (technical services, beds, exam fees, supplies, transport) → Procedure.

Rule: a row is clinical, and becomes a Procedure, when it names a technical service
(MA_DICH_VU) outside the purely financial groups, or carries an ICD-9-CM procedure
code (MA_PTTT_QT, QĐ 4440). Exam fees (MA_NHOM 13), bed-days (14, 15, 16), transport
(12) and supplies (10, 11, or a row with only MA_VAT_TU) are billing lines: this server
serves no ChargeItem, so they are not mapped to resources; they stay readable in the
original XML kept in the episode's DocumentReference.

MA_MAY (the machine that performed the service; several separated by ";") becomes
`Procedure.usedReference`, a logical reference by identifier in the `ma-may` system:
the warehouse counts each device's services per month from it (issue 20), and a Device
registered with the same identifier is the machine named.
"""

from __future__ import annotations

from typing import Any

from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.fields import date_time, split_codes
from hoso.ingest.xml130.patient import CS
from hoso.ingest.xml130.wrapper import Row

ICD9CM = "http://hl7.org/fhir/sid/icd-9-cm"
SERVICE_CODE = CS + "ma-dich-vu"
DEVICE_CODE = CS + "ma-may"
BILLING_GROUPS = frozenset({"10", "11", "12", "13", "14", "15", "16"})


def is_clinical(row: Row) -> bool:
    if row.get("MA_PTTT_QT"):
        return True
    return bool(row.get("MA_DICH_VU")) and row.get("MA_NHOM") not in BILLING_GROUPS


def add_service(ctx: EpisodeContext, number: int, row: Row) -> None:
    if not is_clinical(row):
        return
    place = ctx.place("XML3", number)
    codings = [{"system": ICD9CM, "code": c} for c in split_codes(row.get("MA_PTTT_QT"))]
    if row.get("MA_DICH_VU"):
        codings.append({"system": SERVICE_CODE, "code": row["MA_DICH_VU"]})
    code: dict[str, Any] = {"coding": codings}
    if row.get("TEN_DICH_VU"):
        code["text"] = row["TEN_DICH_VU"]
    procedure: dict[str, Any] = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": code,
        "subject": ctx.subject,
        "encounter": ctx.encounter,
    }
    done = date_time(place, row, "NGAY_TH_YL") or date_time(place, row, "NGAY_YL")
    if done:
        procedure["performedDateTime"] = done
    doctor = row.get("NGUOI_THUC_HIEN") or row.get("MA_BAC_SI")
    if doctor:
        procedure["performer"] = [{"actor": {"display": doctor, "identifier": {
            "system": f"{ctx.settings.facility_system}/{ctx.facility}/bac-si",
            "value": doctor}}}]  # fmt: skip
    machines = split_codes(row.get("MA_MAY"))
    if machines:
        procedure["usedReference"] = [
            {"identifier": {"system": DEVICE_CODE, "value": m}, "display": m} for m in machines
        ]
    ctx.put(procedure, "XML3", row["STT"])
