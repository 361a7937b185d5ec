"""Alarms, outbreak foci and denominators (issue 18 points 3, 6, 7): what officers do
after the daily job.

- JSON: `GET /api/publichealth/signals?status=&disease=&limit=&offset=`;
  `POST /api/publichealth/signals/{id}/decision` `{"decision": "verify"|"dismiss"|"focus",
  "note": "…"}`; `GET /api/publichealth/foci?status=&disease=`, `GET …/foci/{id}` (with
  its daily reports); `POST /api/publichealth/foci` `{"disease", "ward",
  "first_case_date", "last_case_date", "case_count"}`; `POST …/foci/{id}/status`
  `{"action": "confirm"|"reject"|"close"}`; `POST …/foci/{id}/reports` `{"text",
  "new_cases"}`; `PUT /api/publichealth/population` (text/csv `ward,year,population`).
- Pages: `/publichealth/signals`, `/publichealth/foci`, `/publichealth/foci/{id}`,
  `/publichealth/population`, each with plain forms (POST → 303 back).

Thin: the rules are `hoso.publichealth.response` and the gate
`hoso.access.publichealth_surveillance`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from hoso.access.audit_record import CREATE, UPDATE
from hoso.access.publichealth_surveillance import SurveillanceGate, SurveillanceViewer
from hoso.access.repository import AccessRepository
from hoso.api import publichealth_dashboard_routes as dashboard
from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.api.publichealth_dashboard_routes import catalogue_of
from hoso.core import clock
from hoso.core.errors import (
    InvalidRequest,
    PayloadTooLarge,
    ResourceNotFound,
    UnsupportedMediaType,
)
from hoso.publichealth import response
from hoso.publichealth.series.counts import shown_count
from hoso.publichealth.series.population import parse_population_csv

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}
MAX_BODY, MAX_CSV = 8192, 512 * 1024
SIGNAL_STATUSES = ("open", "verified", "dismissed", "focus")
FOCUS_STATUSES = ("suggested", "active", "closed", "rejected")


def _gate(request: Request) -> SurveillanceGate:
    return request.app.state.ph_gate  # type: ignore[no-any-return]


def record_number(text: str, what: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise ResourceNotFound(f"Không tìm thấy {what} / {what} not found")
    return int(text)


def _paging(params: Any, statuses: tuple[str, ...]) -> dict[str, Any]:
    status, disease = params.get("status") or None, params.get("disease") or None
    limit, offset = params.get("limit") or "50", params.get("offset") or "0"
    if status is not None and status not in statuses:
        raise InvalidRequest(f"status là một trong {', '.join(statuses)} / status is one of "
                             f"{', '.join(statuses)}", expression=["status"])  # fmt: skip
    if not (limit.isdigit() and 1 <= int(limit) <= 200 and offset.isdigit()
            and int(offset) <= 100_000) or (disease is not None and len(disease) > 64):  # fmt: skip
        raise InvalidRequest("limit 1–200, offset 0–100000", expression=["limit"])
    return {"status": status, "disease": disease, "limit": int(limit), "offset": int(offset)}


def _hide(item: dict[str, Any], key: str, who: SurveillanceViewer) -> dict[str, Any]:
    """A ward's small count as "<5" (None) for an officer who does not answer for it."""
    exact = who.exact_wards is None or item["ward"] in who.exact_wards or item["ward"] == "city"
    return {**item, key: shown_count(item[key], exact)}


def signals(request: Request, repo: AccessRepository, params: Any) -> list[dict[str, Any]]:
    rows, paging = request.app.state.ph_series_rows, _paging(params, SIGNAL_STATUSES)
    return _gate(request).read(repo, "surveillance-signals", "ph_signal", lambda who: [
        _hide(response.signal_json(row), "observed", who) for row in rows.signals(**paging)])


def foci(request: Request, repo: AccessRepository, params: Any) -> list[dict[str, Any]]:
    rows, paging = request.app.state.ph_series_rows, _paging(params, FOCUS_STATUSES)
    return _gate(request).read(repo, "surveillance-foci", "ph_focus", lambda who: [
        _hide(response.focus_json(row), "case_count", who) for row in rows.foci(**paging)])


def focus(request: Request, repo: AccessRepository, focus_id: int) -> dict[str, Any]:
    rows = request.app.state.ph_series_rows

    def build(who: SurveillanceViewer) -> dict[str, Any]:
        row = rows.focus(focus_id)
        if row is None:
            raise ResourceNotFound("Không tìm thấy ổ dịch / focus not found")
        reports = [{"day": r.day, "new_cases": r.new_cases, "text": r.text,
                    "reported_by": r.reported_by, "reported_at": r.reported_at}
                   for r in rows.focus_reports(focus_id)]  # fmt: skip
        return {**_hide(response.focus_json(row), "case_count", who), "reports": reports}

    return _gate(request).read(repo, "surveillance-focus", f"ph_focus/{focus_id}", build)


def decide(request: Request, repo: AccessRepository, signal_id: int, body: dict[str, Any]
           ) -> dict[str, Any]:  # fmt: skip
    rows, catalogue = request.app.state.ph_series_rows, catalogue_of(request)
    return _gate(request).act(
        repo, UPDATE, "surveillance-signal-decision", f"ph_signal/{signal_id}",
        lambda who: response.decide_signal(rows, catalogue, signal_id, body.get("decision"),
                                           body.get("note"), agent=who.agent,
                                           now_us=clock.now_us()),
        lambda done: f"{done['status']}" + (f" → ph_focus/{done['focus_id']}"
                                            if done["focus_id"] else ""))  # fmt: skip


def register(request: Request, repo: AccessRepository, body: dict[str, Any]) -> dict[str, Any]:
    rows, catalogue = request.app.state.ph_series_rows, catalogue_of(request)
    return _gate(request).act(
        repo, CREATE, "surveillance-focus", "ph_focus",
        lambda who: response.register_focus(rows, catalogue, body, agent=who.agent,
                                             now_us=clock.now_us()),
        lambda done: f"ph_focus/{done['id']} {done['disease']} {done['ward']}")  # fmt: skip


def move(request: Request, repo: AccessRepository, focus_id: int, action: object
         ) -> dict[str, Any]:  # fmt: skip
    rows, catalogue = request.app.state.ph_series_rows, catalogue_of(request)
    return _gate(request).act(
        repo, UPDATE, "surveillance-focus-status", f"ph_focus/{focus_id}",
        lambda who: response.move_focus(rows, catalogue, focus_id, action,
                                        now_us=clock.now_us()),
        lambda done: str(done["status"]))  # fmt: skip


def report(request: Request, repo: AccessRepository, focus_id: int, body: dict[str, Any]
           ) -> dict[str, Any]:  # fmt: skip
    rows = request.app.state.ph_series_rows
    return _gate(request).act(
        repo, CREATE, "surveillance-focus-report", f"ph_focus/{focus_id}",
        lambda who: response.report_focus(rows, focus_id, body, agent=who.agent,
                                          now_us=clock.now_us(), today=dashboard.today()),
        lambda done: str(done["day"]))  # fmt: skip


def load_population(request: Request, repo: AccessRepository, text: str) -> int:
    rows = request.app.state.ph_series_rows

    def store(_: SurveillanceViewer) -> int:
        parsed = parse_population_csv(text)
        return int(rows.store_population((r.ward, r.year, r.population) for r in parsed))

    return _gate(request).act(repo, UPDATE, "surveillance-population", "ph_population", store,
                              lambda n: f"{n} dòng / rows")  # fmt: skip


async def _object(request: Request) -> dict[str, Any]:
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY,
                           allowed={"application/json"})  # fmt: skip
    if not isinstance(body, dict):
        raise InvalidRequest("Nội dung phải là một đối tượng JSON / The body must be a JSON "
                             "object", expression=["$"])  # fmt: skip
    return body


# -- JSON ---------------------------------------------------------------------------------
@router.get("/api/publichealth/signals")
def list_signals(request: Request, repo: RepoDep) -> Response:
    """Tín hiệu cảnh báo / Alarms, newest week first."""
    return JSONResponse({"signals": signals(request, repo, request.query_params)},
                        headers=NO_STORE)  # fmt: skip


@router.post("/api/publichealth/signals/{signal_id}/decision")
async def decide_signal(signal_id: str, request: Request, repo: RepoDep) -> Response:
    number, body = record_number(signal_id, "tín hiệu / signal"), await _object(request)
    done = await run_in_threadpool(decide, request, repo, number, body)
    return JSONResponse(done, headers=NO_STORE)


@router.get("/api/publichealth/foci")
def list_foci(request: Request, repo: RepoDep) -> Response:
    """Ổ dịch / Outbreak foci, newest first."""
    return JSONResponse({"foci": foci(request, repo, request.query_params)}, headers=NO_STORE)


@router.get("/api/publichealth/foci/{focus_id}")
def read_focus(focus_id: str, request: Request, repo: RepoDep) -> Response:
    number = record_number(focus_id, "ổ dịch / focus")
    return JSONResponse(focus(request, repo, number), headers=NO_STORE)


@router.post("/api/publichealth/foci")
async def register_focus(request: Request, repo: RepoDep) -> Response:
    body = await _object(request)
    done = await run_in_threadpool(register, request, repo, body)
    return JSONResponse(done, status_code=201, headers=NO_STORE)


@router.post("/api/publichealth/foci/{focus_id}/status")
async def focus_status(focus_id: str, request: Request, repo: RepoDep) -> Response:
    number, body = record_number(focus_id, "ổ dịch / focus"), await _object(request)
    done = await run_in_threadpool(move, request, repo, number, body.get("action"))
    return JSONResponse(done, headers=NO_STORE)


@router.post("/api/publichealth/foci/{focus_id}/reports")
async def focus_report(focus_id: str, request: Request, repo: RepoDep) -> Response:
    number, body = record_number(focus_id, "ổ dịch / focus"), await _object(request)
    done = await run_in_threadpool(report, request, repo, number, body)
    return JSONResponse(done, status_code=201, headers=NO_STORE)


@router.put("/api/publichealth/population")
async def put_population(request: Request, repo: RepoDep) -> Response:
    """Dân số theo phường/xã và năm (CSV ward,year,population) / Denominators from CSV."""
    raw = await read_csv(request)
    stored = await run_in_threadpool(load_population, request, repo, raw)
    return JSONResponse({"stored": stored}, headers=NO_STORE)


async def read_csv(request: Request) -> str:
    """A CSV body, read no further than `MAX_CSV` bytes."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "text/csv":
        raise UnsupportedMediaType("Nội dung phải là text/csv / The body must be text/csv")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_CSV:
            raise PayloadTooLarge(f"Tệp quá {MAX_CSV // 1024} KB / The file is over "
                                  f"{MAX_CSV // 1024} KB")  # fmt: skip
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("Tệp phải là UTF-8 / The file must be UTF-8") from None
