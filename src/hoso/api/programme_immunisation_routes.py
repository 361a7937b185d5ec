"""`/api/programmes/immunisation`: the immunisation programme's JSON API (issue 19
point 2), behind every page of `/programmes/immunisation`.

- `GET /children/{patient}?on=YYYY-MM-DD`: the child's next doses (due list), the doses
  given and the programme's measures;
- `POST /children/{patient}/doses`: one dose of a session (product, lot, expiry, site,
  route, the 30-minute observation, an AEFI) → 201 with the resources' ids and, for a
  severe AEFI, the 24-hour report's number;
- `GET /products`: the vaccine products a dose may name (data/vaccines.json);
- `GET /lots?status=`, `POST /lots` `{product, lot, status: flagged|cleared, reason}`;
- `GET /aefi-reports?open=1`, `POST /aefi-reports/{id}/sent`;
- `GET /coverage?ward&birth_year`: per antigen and dose, against the cohort's population;
- `POST /cohorts` (CSV `ward,birth_year,children`): the denominators;
- `GET /export?month=YYYY-MM&ward=&format=csv|xlsx|json`: the national dataset
  (QĐ 3891/QĐ-BYT shape; HOUSE field list, docs/programmes-immunisation.md).
Another ward's child answers 404 like an absent one; thin handlers: the access layer
decides and audits (`hoso.access.programme_immunisation`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.programme_immunisation import ImmunisationAccess
from hoso.access.repository import AccessRepository
from hoso.api.body import read_body, read_json
from hoso.api.deps import RepoDep
from hoso.api.programme_routes import programmes_for
from hoso.core import clock
from hoso.core.errors import InvalidRequest
from hoso.programmes.immunisation import coverage as coverage_rows
from hoso.programmes.immunisation import dataset, session
from hoso.programmes.immunisation.station import ChildView, VaccinationStation
from hoso.store.programme_immunisation import SqlImmunisation

router = APIRouter(prefix="/api/programmes/immunisation")

MAX_BODY_BYTES = 16 * 1024
MAX_CSV_BYTES = 512 * 1024
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_WARD = re.compile(r"^\d{5}$")
_ID = re.compile(r"^[A-Za-z0-9.-]{1,64}$")


def immunisation_for(request: Request, repo: AccessRepository) -> VaccinationStation:
    """The station's programme for the caller: the domain's rules over the access layer."""
    return VaccinationStation(
        ImmunisationAccess(
            repo, SqlImmunisation(request.app.state.store.engine), programmes_for(request, repo)
        )
    )


def today() -> date:
    return clock.now().astimezone(clock.VN_TZ).date()


def patient_id(raw: str) -> str:
    if not _ID.match(raw):
        raise InvalidRequest("patient: mã không hợp lệ / invalid id", expression=["patient"])
    return raw


def ward_code(raw: str | None, *, required: bool = True) -> str | None:
    if not raw:
        if required:
            raise InvalidRequest("ward: bắt buộc / required", expression=["ward"])
        return None
    if not _WARD.match(raw):
        raise InvalidRequest("ward: mã phường/xã 5 chữ số / a 5-digit ward code",
                             expression=["ward"])  # fmt: skip
    return raw


def month_of(raw: str | None) -> str:
    if not raw or not _MONTH.match(raw):
        raise InvalidRequest("month: YYYY-MM", expression=["month"])
    return raw


def year_of(raw: str | None) -> int:
    if not raw or not raw.isascii() or not raw.isdigit() or not 1990 <= int(raw) <= 2100:
        raise InvalidRequest("birth_year: năm sinh (YYYY) / a year (YYYY)",
                             expression=["birth_year"])  # fmt: skip
    return int(raw)


def day_of(raw: str | None) -> date:
    if not raw:
        return today()
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        raise InvalidRequest("on: YYYY-MM-DD", expression=["on"]) from None
    if not 1990 <= day.year <= 2100:
        raise InvalidRequest("on: năm 1990–2100 / a year 1990–2100", expression=["on"])
    return day


def child_json(view: ChildView) -> dict[str, Any]:
    record, assessment = view.record, view.assessment
    return {
        "patient": record.id, "ward": record.ward, "birth_date": record.patient.get("birthDate"),
        "name": dataset.dataset_row(dataset.DoseContext({}, record.patient))["ho_ten"],
        "due": [{"activity": i.activity, "label": dict(i.label), "status": i.status,
                 "due": i.due.isoformat(), "latest": i.latest.isoformat() if i.latest else None,
                 "detail": dict(i.detail)} for i in assessment.due],
        "given": [{"id": g.get("id"), "date": g.get("occurrenceDateTime"),
                   "vaccine": dataset.dataset_row(dataset.DoseContext(g))["ten_vac_xin"],
                   "lot": g.get("lotNumber"), "status": g.get("status")}
                  for g in view.given],
        "measures": dict(assessment.measures), "summary": dict(assessment.summary),
    }  # fmt: skip


def report_json(row: Any, now: int) -> dict[str, Any]:
    return {"id": row.id, "patient": row.patient_id, "ward": row.ward, "lot": row.lot,
            "product": row.product, "event": row.event,
            "opened_at": clock.fhir_instant(clock.from_us(row.opened_at)),
            "deadline": clock.fhir_instant(clock.from_us(row.deadline_at)),
            "reported_at": clock.fhir_instant(clock.from_us(row.reported_at))
            if row.reported_at else None, "overdue": row.overdue(now)}  # fmt: skip


@router.get("/children/{patient}")
def child(patient: str, request: Request, repo: RepoDep, on: str | None = None) -> Response:
    view = immunisation_for(request, repo).child(patient_id(patient), day_of(on))
    return JSONResponse(child_json(view))


@router.post("/children/{patient}/doses")
async def record_dose(patient: str, request: Request, repo: RepoDep) -> Response:
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY_BYTES)
    done = await run_in_threadpool(immunisation_for(request, repo).record_dose,
                                   patient_id(patient), body)  # fmt: skip
    return JSONResponse(done, status_code=201)


@router.get("/products")
def products() -> Response:
    found = [{"product": f"{p['system']}|{p['code']}", "code": p["code"], "name": p["name"]}
             for p in session.products()]  # fmt: skip
    return JSONResponse({"products": found})


@router.get("/lots")
def lots(request: Request, repo: RepoDep, status: str | None = None) -> Response:
    if status not in (None, "flagged", "cleared", "ok"):
        raise InvalidRequest("status: flagged | cleared | ok", expression=["status"])
    found = immunisation_for(request, repo).access.lots(status)
    return JSONResponse({"lots": [{"product": x.product, "lot": x.lot, "status": x.status,
                                   "reason": x.reason, "expiry": x.expiry}
                                  for x in found]})  # fmt: skip


@router.post("/lots")
async def set_lot(request: Request, repo: RepoDep) -> Response:
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY_BYTES)
    needed = ("product", "lot", "status", "reason")
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) and body[k]
                                             for k in needed):  # fmt: skip
        raise InvalidRequest("product, lot, status, reason: bắt buộc / required")
    await run_in_threadpool(immunisation_for(request, repo).set_lot, body["product"],
                            body["lot"], body["status"], body["reason"])  # fmt: skip
    return JSONResponse({"lot": body["lot"][:40], "status": body["status"]})


@router.get("/aefi-reports")
def aefi_reports(request: Request, repo: RepoDep, open: str | None = None) -> Response:
    found = immunisation_for(request, repo).access.reports(open_only=open in ("1", "true"))
    now = clock.now_us()
    return JSONResponse({"reports": [report_json(r, now) for r in found]})


@router.post("/aefi-reports/{report}/sent")
def aefi_sent(report: str, request: Request, repo: RepoDep) -> Response:
    if not report.isascii() or not report.isdigit() or len(report) > 9:  # an INTEGER
        raise InvalidRequest("report: một số / a number", expression=["report"])
    sent = immunisation_for(request, repo).access.mark_reported(int(report))
    return JSONResponse({"report": int(report), "sent_now": sent})


@router.get("/coverage")
def coverage(request: Request, repo: RepoDep, ward: str | None = None,
             birth_year: str | None = None) -> Response:  # fmt: skip
    code, year = ward_code(ward), year_of(birth_year)
    rows = immunisation_for(request, repo).coverage(str(code), year, today())
    return JSONResponse({"ward": code, "birth_year": year, "rows": [r.as_json() for r in rows]})


@router.post("/cohorts")
async def cohorts(request: Request, repo: RepoDep, source: str = "upload") -> Response:
    raw = await read_body(request, MAX_CSV_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("CSV phải là UTF-8 / the CSV must be UTF-8") from None
    stored = await run_in_threadpool(immunisation_for(request, repo).access.store_cohorts,
                                     coverage_rows.parse_cohorts(text), source)  # fmt: skip
    return JSONResponse({"stored": stored})


@router.get("/export")
def export(request: Request, repo: RepoDep, month: str | None = None, ward: str | None = None,
           format: str = "csv") -> Response:  # fmt: skip
    if format not in ("csv", "xlsx", "json"):
        raise InvalidRequest("format: csv | xlsx | json", expression=["format"])
    code = ward_code(ward, required=False)
    rows = immunisation_for(request, repo).export(month_of(month), [code] if code else None)
    name = f"tiem-chung-{month}{'-' + code if code else ''}"
    if format == "json":
        return JSONResponse({"fields": [f.key for f in dataset.dataset_fields()], "rows": rows})
    if format == "xlsx":
        return Response(
            dataset.write_xlsx(rows),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return Response(
        dataset.write_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


__all__ = ["child_json", "immunisation_for", "router"]
