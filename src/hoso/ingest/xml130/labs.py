"""XML4 rows (paraclinical results) → Observation, grouped in a DiagnosticReport per
service (MA_DICH_VU).

GIA_TRI is a valueQuantity (UCUM-less: DON_VI_DO is the unit as the lab wrote it) when
it is a plain number, digits kept; anything else ("Âm tính", "1/80", "<0.5") is a
valueString. KET_LUAN goes to the note (one conclusion per indicator) and to the
report's conclusion; MO_TA to the note as well.
"""

from __future__ import annotations

import re
from typing import Any

from hoso.core.jsonx import FhirDecimal
from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.fields import date_time
from hoso.ingest.xml130.patient import CS
from hoso.ingest.xml130.services import SERVICE_CODE
from hoso.ingest.xml130.wrapper import Row

INDICATOR = CS + "ma-chi-so"
LABORATORY = {"coding": [{
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "laboratory"}]}  # fmt: skip
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _value(row: Row) -> dict[str, Any]:
    value = row.get("GIA_TRI")
    if value is None:
        return {}
    if _NUMBER.fullmatch(value):
        quantity: dict[str, Any] = {"value": FhirDecimal(value)}
        if row.get("DON_VI_DO"):
            quantity["unit"] = row["DON_VI_DO"]
        return {"valueQuantity": quantity}
    text = f"{value} {row['DON_VI_DO']}" if row.get("DON_VI_DO") else value
    return {"valueString": text}


def _observation(ctx: EpisodeContext, number: int, row: Row) -> dict[str, Any]:
    code: dict[str, Any] = {"text": row["TEN_CHI_SO"]}
    if row.get("MA_CHI_SO"):
        code["coding"] = [{"system": INDICATOR, "code": row["MA_CHI_SO"],
                           "display": row["TEN_CHI_SO"]}]  # fmt: skip
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [LABORATORY],
        "code": code,
        "subject": ctx.subject,
        "encounter": ctx.encounter,
        **_value(row),
    }
    when = date_time(ctx.place("XML4", number), row, "NGAY_KQ")
    if when:
        observation["effectiveDateTime"] = when
    notes = [{"text": row[k]} for k in ("MO_TA", "KET_LUAN") if row.get(k)]
    if notes:
        observation["note"] = notes
    if row.get("MA_BS_DOC_KQ"):
        observation["performer"] = [{"display": row["MA_BS_DOC_KQ"]}]
    return observation


def add_labs(ctx: EpisodeContext, rows: list[tuple[int, Row]]) -> None:
    reports: dict[str, list[tuple[str, Row]]] = {}
    for number, row in rows:
        urn = ctx.put(_observation(ctx, number, row), "XML4", row["STT"])
        reports.setdefault(row.get("MA_DICH_VU", ""), []).append((urn, row))
    for service, results in reports.items():
        if not service:
            continue  # results without a service code stay single Observations
        first = results[0][1]
        report: dict[str, Any] = {
            "resourceType": "DiagnosticReport",
            "status": "final",
            "category": [LABORATORY],
            "code": {"coding": [{"system": SERVICE_CODE, "code": service}]},
            "subject": ctx.subject,
            "encounter": ctx.encounter,
            "result": [{"reference": urn} for urn, _ in results],
        }
        when = date_time(ctx.place("XML4", None), first, "NGAY_KQ")
        if when:
            report["effectiveDateTime"] = when
        conclusions = [r["KET_LUAN"] for _, r in results if r.get("KET_LUAN")]
        if conclusions:
            report["conclusion"] = "; ".join(dict.fromkeys(conclusions))
        ctx.put(report, "XML4", "dv", service)
