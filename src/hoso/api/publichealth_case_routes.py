"""`/api/publichealth`: disease definitions and case reports for public-health officers.

- `GET /diseases`, `GET /diseases/{code}` (every version), `POST /diseases` (a new
  definition or a new version of one; officers and the operator);
- `GET /cases?disease&classification&ward&facility&offset&count`: the caller's cases
  (those linked to them) and the count of all cases matching, which is not personal;
- `GET /cases/{id}` with its history; `POST /cases/{id}/classification|severity|epi|close|officers`;
- `GET /cases/{id}/report` (the national surveillance shape) and `/cases/{id}/fhir`;
- `GET /reports/overdue?days=…`: per reporting facility, cases reported past their
  deadline.
A case not linked to the caller answers as one that does not exist (404). Thin
handlers: the access layer decides and audits (`hoso.access.publichealth_cases`), the
`publichealth` package validates and shapes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.publichealth_cases import CaseAccess
from hoso.access.repository import AccessRepository
from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.publichealth import case_reports
from hoso.publichealth.catalogue import DiseaseCatalogue
from hoso.publichealth.definitions import DefinitionError
from hoso.store.publichealth_cases import SqlCaseRegistry

router = APIRouter(prefix="/api/publichealth")

MAX_BODY_BYTES = 256 * 1024
PAGE_MAX = 200
FILTERS = ("disease", "classification", "ward", "facility")


def cases_for(request: Request, repo: AccessRepository) -> CaseAccess:
    return CaseAccess(repo, SqlCaseRegistry(request.app.state.store.engine))


def catalogue_for(request: Request, repo: AccessRepository) -> DiseaseCatalogue:
    return DiseaseCatalogue(cases_for(request, repo))


def _definition_json(stored: Any) -> dict[str, Any]:
    d = stored.definition
    return {"code": d.code, "version": stored.version, "name": {"vi": d.name_vi, "en": d.name_en},
            "group": d.group, "report_deadline": d.report_deadline, "enabled": d.enabled,
            "created_at": clock.fhir_instant(clock.from_us(stored.created_at)),
            "definition": d.document}  # fmt: skip


@router.get("/diseases")
def diseases(request: Request, repo: RepoDep) -> Response:
    current = catalogue_for(request, repo).current()
    return JSONResponse({"diseases": [_definition_json(s) for s in current]})


@router.get("/diseases/{code}")
def disease(code: str, request: Request, repo: RepoDep) -> Response:
    versions = catalogue_for(request, repo).versions(code[:64])
    if not versions:
        raise ResourceNotFound(f"Không có bệnh {code[:64]} / no disease {code[:64]}")
    return JSONResponse({"code": code, "versions": [_definition_json(s) for s in versions]})


@router.post("/diseases")
async def add_disease(request: Request, repo: RepoDep) -> Response:
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY_BYTES)

    def add() -> tuple[Any, int]:
        try:
            return catalogue_for(request, repo).add(body)
        except DefinitionError as exc:
            raise InvalidRequest(f"Định nghĩa bệnh sai / invalid disease definition: {exc}"
                                 ) from None  # fmt: skip

    definition, version = await run_in_threadpool(add)
    return JSONResponse({"code": definition.code, "version": version}, status_code=201)


def _page(request: Request) -> tuple[int, int, dict[str, str]]:
    query = request.query_params
    try:
        offset = int(query.get("offset", "0"))
        count = int(query.get("count", "50"))
    except ValueError:
        raise InvalidRequest("offset, count: số nguyên / integers") from None
    if not (0 <= offset <= 10_000_000 and 1 <= count <= PAGE_MAX):
        raise InvalidRequest(f"offset ≥ 0, 1 ≤ count ≤ {PAGE_MAX}")
    filters = {k: query[k][:64] for k in FILTERS if query.get(k)}
    return offset, count, filters


def person_of(repo: AccessRepository, patient_id: str) -> dict[str, Any]:
    return dict(jsonx.loads(repo.read("Patient", patient_id).content))


@router.get("/cases")
def cases(request: Request, repo: RepoDep) -> Response:
    offset, count, filters = _page(request)
    page, mine, every = cases_for(request, repo).cases(offset=offset, limit=count, **filters)
    catalogue = catalogue_for(request, repo)
    now = clock.now_us()
    shown = []
    for case in page:
        stored = catalogue.get(case.disease)
        shown.append(case_reports.case_json(case, stored.definition if stored else None,
                                            person=None, now_us=now))  # fmt: skip
    return JSONResponse({"total_mine": mine, "total_all": every, "offset": offset,
                         "cases": shown})  # fmt: skip


def case_number(case_id: str) -> int:
    if not case_id.isdigit() or len(case_id) > 12:
        raise ResourceNotFound(f"Không tìm thấy ca bệnh / case not found: {case_id[:20]}")
    return int(case_id)


@router.get("/cases/{case_id}")
def case(case_id: str, request: Request, repo: RepoDep) -> Response:
    access = cases_for(request, repo)
    number = case_number(case_id)
    found = access.case(number)
    stored = catalogue_for(request, repo).get(found.disease)
    person = person_of(repo, found.patient_id)
    body = case_reports.case_json(found, stored.definition if stored else None, person=person,
                                  now_us=clock.now_us())  # fmt: skip
    history = access.history(number)
    body["history"] = [{"at": clock.fhir_instant(clock.from_us(at)), "kind": kind,
                        "value": jsonx.loads(value), "agent": agent}
                       for at, kind, value, agent in history["events"]]  # fmt: skip
    body["evidence"] = [f"{t}/{i}/_history/{v}" for t, i, v, _at in history["evidence"]]
    body["officers"] = history["officers"]
    return JSONResponse(body)


@router.post("/cases/{case_id}/{action}")
async def change_case(case_id: str, action: str, request: Request, repo: RepoDep) -> Response:
    if action not in (*case_reports.ACTIONS, "officers"):
        raise ResourceNotFound(f"Không có thao tác / no action {action[:40]}")
    body = await read_json(request, request.app.state.settings, max_bytes=16 * 1024)
    if not isinstance(body, dict):
        raise InvalidRequest("Cần một đối tượng JSON / a JSON object is required")
    return await run_in_threadpool(_change, request, repo, case_number(case_id), action, body)


def _change(request: Request, repo: AccessRepository, number: int, action: str,
            body: dict[str, Any]) -> Response:  # fmt: skip
    access = cases_for(request, repo)
    found = access.case(number)
    if action == "officers":
        officer = body.get("officer")
        if not isinstance(officer, str) or not officer.startswith("account:") or len(officer) > 140:
            raise InvalidRequest("officer: 'account:<id>'")
        access.link_officer(number, officer)
        return JSONResponse({"officers": access.history(number)["officers"]})
    stored = catalogue_for(request, repo).get(found.disease)
    changes, events = case_reports.case_change(action, found,
                                               stored.definition if stored else None, body)
    changed = access.change_case(number, changes, events)
    return JSONResponse(case_reports.case_json(changed, stored.definition if stored else None,
                                               person=None, now_us=clock.now_us()))  # fmt: skip


@router.get("/cases/{case_id}/report")
def national_report(case_id: str, request: Request, repo: RepoDep) -> Response:
    found = cases_for(request, repo).case(case_number(case_id))
    stored = catalogue_for(request, repo).get(found.disease)
    person = person_of(repo, found.patient_id)
    definition = stored.definition if stored else None
    return JSONResponse(case_reports.national_report(found, definition, person))


@router.get("/cases/{case_id}/fhir")
def fhir_report(case_id: str, request: Request, repo: RepoDep) -> Response:
    access = cases_for(request, repo)
    number = case_number(case_id)
    found = access.case(number)
    stored = catalogue_for(request, repo).get(found.disease)
    bundle = case_reports.fhir_case_report(found, stored.definition if stored else None,
                                           person_of(repo, found.patient_id),
                                           access.history(number)["evidence"])  # fmt: skip
    return Response(jsonx.dumps(bundle), media_type="application/fhir+json")


@router.get("/reports/overdue")
def overdue(request: Request, repo: RepoDep) -> Response:
    try:
        days = int(request.query_params.get("days", "30"))
    except ValueError:
        raise InvalidRequest("days: số nguyên / an integer") from None
    if not 1 <= days <= 366:
        raise InvalidRequest("days: 1–366")
    now = clock.now_us()
    rows = cases_for(request, repo).overdue_by_facility(now - days * 86_400_000_000, now + 1)
    return JSONResponse({"days": days, "facilities": [
        {"facility": f, "reported": n, "overdue": late, "worst_hours_late": round(worst, 1)}
        for f, n, late, worst in rows]})  # fmt: skip
