"""`/api/programmes`: the community programmes' registers as JSON, the calls behind the
`/programmes/` pages (issue 19; docs/programmes.md).

- `GET /api/programmes?ward`: the programmes with their forms and indicators, and the
  caller's counts (a station: its ward; the operator: any ward; an officer: the city);
- `GET /api/programmes/{code}/due?status&ward&days&offset&count`: the due list;
- `GET /api/programmes/patients/{id}`: one resident's programmes, due activities, forms;
- `POST /api/programmes/patients/{id}/visits` `{"form": url, "answers": {linkId: value}}`:
  record a visit (Encounter at the station, QuestionnaireResponse, Observations);
- `POST /api/programmes/patients/{id}/enrolment` `{"programme", "enrolled": true|false|null,
  "reason"}`: enrol by hand, keep out, or hand back to the rule;
- `GET /api/programmes/mine`: a resident's own programmes.
A resident of another ward answers as one who does not exist (404). Thin handlers: the
access layer decides and audits (`hoso.access.programmes`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from hoso.access.programmes import ENCOUNTER, ProgrammeAccess
from hoso.access.repository import AccessRepository
from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.api.ward_stations import stations_of
from hoso.assembly import programme_access
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.programmes import registry
from hoso.programmes.forms import visit_resources
from hoso.programmes.framework import DUE_STATUSES
from hoso.programmes.registry import programme

router = APIRouter(prefix="/api/programmes")
MAX_BODY_BYTES = 64 * 1024
PAGE_MAX = 200


def programmes_for(request: Request, repo: AccessRepository) -> ProgrammeAccess:
    state = request.app.state
    return programme_access(state.store, repo, stations_of(state))  # type: ignore[no-any-return]


def form_by_url(url: str) -> dict[str, Any]:
    for p in registry.PROGRAMMES:
        for form in p.forms:
            if form.get("url") == url:
                return dict(form)
    raise InvalidRequest(f"form: không có biểu mẫu / no such form {url[:200]!r}")


def known(code: str) -> str:
    if programme(code) is None:
        raise ResourceNotFound(f"Không có chương trình / no programme {code[:32]}")
    return code


def programme_json(p: Any) -> dict[str, Any]:
    return {"code": p.code, "name": dict(p.name), "rule": p.rule,
            "forms": [{"url": f["url"], "title": f.get("title")} for f in p.forms],
            "indicators": [{"code": i.code, "name": dict(i.name), "target": i.target,
                            "source": i.source} for i in p.indicators]}  # fmt: skip


def due_json(row: Any, patient: dict[str, Any] | None = None) -> dict[str, Any]:
    found = {"programme": row.programme, "patient": row.patient_id, "ward": row.ward,
             "activity": row.activity, "label": jsonx.loads(row.label), "due": row.due,
             "latest": row.latest, "status": row.status, "form": row.form,
             "detail": jsonx.loads(row.detail)}  # fmt: skip
    if patient is not None:
        found["name"] = person_name(patient)
        found["birthDate"] = patient.get("birthDate")
    return found


def enrolment_json(row: Any) -> dict[str, Any]:
    return {"programme": row.programme, "ward": row.ward, "rule_version": row.rule_version,
            "by_hand": row.by_hand, "since": row.since, "assessed_on": row.assessed_on,
            "measures": jsonx.loads(row.measures), "summary": jsonx.loads(row.summary)}  # fmt: skip


def person_name(patient: dict[str, Any]) -> str:
    for name in patient.get("name") or []:
        if name.get("text"):
            return str(name["text"])
        parts = [name.get("family") or "", *(name.get("given") or [])]
        if any(parts):
            return " ".join(p for p in parts if p)
    return "—"


def _int(request: Request, key: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(key)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise InvalidRequest(f"{key}: số nguyên / an integer") from None
    if not low <= value <= high:
        raise InvalidRequest(f"{key}: trong khoảng / between {low} and {high}")
    return value


def due_query(request: Request) -> dict[str, Any]:
    """The due list's filters, checked (the API and the pages read the same ones)."""
    statuses = tuple(request.query_params.getlist("status")) or ("due", "overdue")
    if not set(statuses) <= set(DUE_STATUSES):
        raise InvalidRequest(f"status: một trong / one of {', '.join(DUE_STATUSES)}")
    ward = request.query_params.get("ward") or None
    if ward is not None and not (ward.isdigit() and len(ward) == 5):
        raise InvalidRequest("ward: mã phường/xã 5 chữ số / a 5-digit ward code")
    days = _int(request, "days", 31, 0, 3660)
    return {"statuses": statuses, "ward": ward,
            "until": clock.today_vn() + timedelta(days=days),
            "offset": _int(request, "offset", 0, 0, 10_000_000),
            "limit": _int(request, "count", 50, 1, PAGE_MAX)}  # fmt: skip


@router.get("")
def programmes(request: Request, repo: RepoDep) -> Response:
    ward = request.query_params.get("ward") or None
    until = clock.today_vn() + timedelta(days=31)
    overview = programmes_for(request, repo).overview(until, ward)
    return JSONResponse({"programmes": [programme_json(p) for p in registry.PROGRAMMES],
                         "wards": overview["wards"], "enrolled": overview["enrolled"],
                         "due": overview["due"]})  # fmt: skip


@router.get("/mine")
def mine(request: Request, repo: RepoDep) -> Response:
    enrolments, due = programmes_for(request, repo).own()
    return JSONResponse({"enrolments": [dict(enrolment_json(e), patient=e.patient_id)
                                        for e in enrolments],
                         "due": [due_json(d) for d in due]})  # fmt: skip


@router.get("/patients/{patient_id}")
def patient(patient_id: str, request: Request, repo: RepoDep) -> Response:
    found, enrolments, due = programmes_for(request, repo).patient_view(patient_id)
    forms = [f for p in registry.PROGRAMMES for f in p.forms]
    return JSONResponse({"patient": patient_id, "name": person_name(found),
                         "enrolments": [enrolment_json(e) for e in enrolments],
                         "due": [due_json(d) for d in due], "forms": forms})  # fmt: skip


async def _body(request: Request) -> dict[str, Any]:
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY_BYTES,
                           allowed={"application/json"})  # fmt: skip
    if not isinstance(body, dict):
        raise InvalidRequest("Cần một đối tượng JSON / a JSON object is required")
    return body


def record_visit(request: Request, repo: AccessRepository, patient_id: str,
                 form_url: Any, answers: Any) -> dict[str, str]:  # fmt: skip
    """Record a visit from a form's answers (the API's and the page's one call)."""
    if not isinstance(form_url, str) or not isinstance(answers, dict) or len(answers) > 200:
        raise InvalidRequest("form, answers: {form: url, answers: {linkId: value}}")
    form = form_by_url(form_url)
    orgs = repo.principal.facility_orgs
    resources = visit_resources(form, answers, patient=f"Patient/{patient_id}",
                                authored=clock.fhir_instant(clock.now()),
                                author=orgs[0] if orgs else None, encounter=ENCOUNTER)  # fmt: skip
    return programmes_for(request, repo).record_visit(patient_id, str(form.get("title") or ""),
                                                      resources)  # fmt: skip


@router.post("/patients/{patient_id}/visits")
async def visit(patient_id: str, request: Request, repo: RepoDep) -> Response:
    from starlette.concurrency import run_in_threadpool

    body = await _body(request)
    made = await run_in_threadpool(record_visit, request, repo, patient_id, body.get("form"),
                                   body.get("answers"))  # fmt: skip
    return JSONResponse({"made": made}, status_code=201)


@router.post("/patients/{patient_id}/enrolment")
async def enrolment(patient_id: str, request: Request, repo: RepoDep) -> Response:
    from starlette.concurrency import run_in_threadpool

    body = await _body(request)
    code = known(str(body.get("programme") or ""))
    enrolled = body.get("enrolled")
    if enrolled not in (True, False, None):
        raise InvalidRequest("enrolled: true | false | null")
    reason = body.get("reason") or ""
    if not isinstance(reason, str):
        raise InvalidRequest("reason: chuỗi / a string")
    access = programmes_for(request, repo)
    await run_in_threadpool(access.set_manual, code, patient_id, enrolled, reason)
    return JSONResponse({"programme": code, "enrolled": enrolled})


@router.get("/{code}/due")
def due(code: str, request: Request, repo: RepoDep) -> Response:
    query = due_query(request)
    access = programmes_for(request, repo)
    rows, total = access.due_list(known(code), query["statuses"], query["until"],
                                  ward=query["ward"], offset=query["offset"],
                                  limit=query["limit"])  # fmt: skip
    people = access.patients([r.patient_id for r in rows])
    return JSONResponse(
        {
            "programme": code,
            "total": total,
            "offset": query["offset"],
            "due": [due_json(r, people.get(r.patient_id, {})) for r in rows],
        }
    )
