"""Contact tracing and infection chains (issue 18 point 5): the JSON API and the pages.

JSON (bearer token), every answer from `hoso.access.publichealth_tracing` /
`publichealth_chains`, which decide and audit:
- `POST /api/publichealth/events` an event or cluster; `POST /api/publichealth/contacts`
  an exposure (the contact's Patient made through the MPI when `target` is a Patient);
- `GET /api/publichealth/followups/due?ward=&day=&assignee=&offset=&limit=` the daily
  list; `POST /api/publichealth/followups/{id}/visits` one visit (symptoms → a suspected
  case); `POST /api/publichealth/followups/assign` and `…/followups/visits` the
  supervisors' bulk actions; `POST /api/publichealth/followups/close` the daily job;
- `POST /api/publichealth/chains` {disease, as_of} → 202 and the snapshot (computed after
  the answer, on the thread pool), `GET /api/publichealth/chains/{id}` its status and
  chains, `GET /api/publichealth/chains/{id}/chains/{n}` one chain with its SVG;
- `GET /api/publichealth/tracing/indicators?disease=&from=&to=&few=`.
Pages: `/publichealth/contacts.html?ward=&day=` (printable; a visit form per row),
`/publichealth/chains/{id}.html?chain=&offset=`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.publichealth_cases import CaseAccess
from hoso.access.publichealth_chains import ChainSnapshots
from hoso.access.publichealth_input import SUPERVISORS
from hoso.access.publichealth_tracing import ContactTracing
from hoso.access.repository import AccessRepository
from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.api.forms import read_form
from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep
from hoso.api.ward_stations import StoreStations
from hoso.assembly import operator_repository
from hoso.core import clock
from hoso.core.errors import InvalidRequest
from hoso.publichealth.cases import suspected_case
from hoso.publichealth.definitions import parse_definition
from hoso.publichealth.tracing.logic import TRACING_LOGIC, TracingRules
from hoso.store.publichealth_cases import SqlCaseRegistry
from hoso.store.publichealth_tracing import SqlTracing, TracingBulk

router = APIRouter()

MAX_BODY_BYTES = 64 * 1024  # a contact with a Patient, or 1,000 follow-up ids
NO_STORE = {"Cache-Control": "no-store"}


class StoredDiseaseParams:
    """Follow-up period and visit frequency from the disease's current definition, read
    as `hoso.publichealth.definitions` reads every definition (one parser, not a second
    reading of the JSON)."""

    def __init__(self, rows: SqlTracing) -> None:
        self.rows = rows

    def __call__(self, code: str) -> tuple[int, int]:
        text = self.rows.disease_content(code)
        if text is None:
            raise KeyError(code)
        try:
            definition = parse_definition(json.loads(text))
        except ValueError:  # a row written by hand that no longer parses: no such disease
            raise KeyError(code) from None
        return definition.followup_days, definition.visit_every_days


class RegisterCaseOpener:
    """A contact with symptoms becomes a suspected case in the case register, through
    its facade as the caller (`CaseAccess.open_case`: decided and audited there): dates
    and report deadline from the disease's stored definition
    (`hoso.publichealth.cases.suspected_case`), the ward the follow-up's, the ward's
    officers and the caller (if an officer) linked."""

    def __init__(self, rows: SqlTracing, registry: SqlCaseRegistry) -> None:
        self.rows, self.registry = rows, registry

    def open_suspected(self, repo: AccessRepository, patient_id: str, disease: str,
                       onset_date: str) -> int:  # fmt: skip
        found = self.rows.disease_definition(disease)
        if found is None:
            raise InvalidRequest(f"Chưa có định nghĩa bệnh / No definition of {disease}",
                                 expression=["disease"])  # fmt: skip
        version, content = found
        followup = self.rows.active_followup(patient_id, disease)
        now = clock.now_us()
        try:
            # json, not jsonx: the definitions' floats are floats (catalogue.py reads so)
            values = suspected_case(parse_definition(json.loads(content)),
                                    onset_date=onset_date, now_us=now, facility=None,
                                    ward=followup.ward if followup else None)  # fmt: skip
        except ValueError as exc:
            raise InvalidRequest(str(exc), expression=["onset_date"]) from None
        return CaseAccess(repo, self.registry).open_case(
            disease=disease, definition_version=version, patient_id=patient_id,
            new_case=values,
            event={"from": "contact", "followup": followup.id if followup else None})


def _store_stations(state: Any) -> StoreStations:
    """The stations of the store's Organizations, read as the operator `hoso-stations`
    (the repository made on the first look-up: the commands that need no station, such
    as `hoso tracing close`, have no server's audit trail)."""
    return StoreStations(lambda: operator_repository(state.store, "hoso-stations",
                                                     state.audit_trail),
                         state.store.settings.facility_system)  # fmt: skip


def tracing_of(request: Request) -> tuple[ContactTracing, ChainSnapshots]:
    return facades_of(request.app.state)


def facades_of(state: Any) -> tuple[ContactTracing, ChainSnapshots]:
    """The facades on `app.state`, made on first use from what the app was given:
    `ph_disease_params`, `ph_case_opener`, `ph_ward_stations`, `ph_closing_rules` (else
    the stored definitions, the case register, no ward stations, a 2-day grace)."""
    made = getattr(state, "ph_tracing", None)
    if made is None:
        rows = SqlTracing(state.store.engine)
        rules = getattr(state, "ph_closing_rules", None)  # a ClosingRules: grace, share seen
        logic = TracingRules(rules) if rules is not None else TRACING_LOGIC
        tracing = ContactTracing(
            rows, logic,
            getattr(state, "ph_disease_params", None) or StoredDiseaseParams(rows),
            getattr(state, "ph_case_opener", None)
            or RegisterCaseOpener(rows, SqlCaseRegistry(state.store.engine)),
            getattr(state, "ph_ward_stations", None) or _store_stations(state))  # fmt: skip
        made = (tracing, ChainSnapshots(tracing, TracingBulk(state.store.engine), logic))
        state.ph_tracing = made
    return made  # type: ignore[no-any-return]


async def _body(request: Request) -> dict[str, Any]:
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY_BYTES,
                           allowed={"application/json"})  # fmt: skip
    if not isinstance(body, dict):
        raise InvalidRequest("Nội dung phải là một đối tượng JSON / The body must be a JSON "
                             "object", expression=["$"])  # fmt: skip
    return body


def _json(value: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(value, status_code=status, headers=NO_STORE)


def _number(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise InvalidRequest("Số không hợp lệ / Not a valid number", expression=["id"])
    return int(text)


def _query_int(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    return default if text is None else _number(text)


# -- JSON ----------------------------------------------------------------------------------
@router.post("/api/publichealth/events")
async def create_event(request: Request, repo: RepoDep) -> Response:
    """Ghi sự kiện / cụm — Register an event or cluster (a node of the chains)."""
    body = await _body(request)
    event_id = await run_in_threadpool(tracing_of(request)[0].register_event, repo, body)
    return _json({"id": event_id}, 201)


@router.post("/api/publichealth/contacts")
async def create_contact(request: Request, repo: RepoDep) -> Response:
    """Ghi tiếp xúc / Register a contact or exposure, and schedule its follow-up."""
    body = await _body(request)
    made = await run_in_threadpool(tracing_of(request)[0].register_contact, repo, body)
    return _json(made, 201)


@router.get("/api/publichealth/followups/due")
def due_list(request: Request, repo: RepoDep) -> Response:
    """Danh sách theo dõi hôm nay / The ward's contacts with a visit due on the day."""
    q = request.query_params
    return _json(tracing_of(request)[0].daily_list(
        repo, q.get("ward"), q.get("day"), assignee=q.get("assignee"),
        offset=_query_int(request, "offset", 0), limit=_query_int(request, "limit", 100)))


@router.post("/api/publichealth/followups/{followup_id}/visits")
async def record_visit(followup_id: str, request: Request, repo: RepoDep) -> Response:
    """Ghi kết quả thăm / Record a visit; with symptoms the contact becomes a suspected case."""
    number, body = _number(followup_id), await _body(request)
    done = await run_in_threadpool(tracing_of(request)[0].record_visit, repo, number, body)
    return _json(done)


@router.post("/api/publichealth/followups/assign")
async def reassign(request: Request, repo: RepoDep) -> Response:
    """Phân công lại / Reassign follow-ups within the ward's team (supervisors)."""
    body = await _body(request)
    moved = await run_in_threadpool(tracing_of(request)[0].reassign, repo, body)
    return _json({"assigned": moved})


@router.post("/api/publichealth/followups/visits")
async def bulk_visits(request: Request, repo: RepoDep) -> Response:
    """Ghi hàng loạt / One outcome for many visits of a ward (supervisors)."""
    body = await _body(request)
    done = await run_in_threadpool(tracing_of(request)[0].bulk_outcome, repo, body)
    return _json({"recorded": done})


@router.post("/api/publichealth/followups/close")
async def close_followups(request: Request, repo: RepoDep) -> Response:
    """Việc đóng theo dõi hằng ngày / The daily close job (completed, lost)."""
    body = await _body(request)
    counts = await run_in_threadpool(tracing_of(request)[0].close_due, repo, body.get("today"))
    return _json(counts)


@router.post("/api/publichealth/chains")
async def request_chains(request: Request, repo: RepoDep, background: BackgroundTasks
                         ) -> Response:  # fmt: skip
    """Tính chuỗi lây nhiễm / Ask for a chain snapshot; computed after the answer."""
    body = await _body(request)
    chains = tracing_of(request)[1]
    found, cached = await run_in_threadpool(chains.request, repo, body)
    if found.status == "queued":
        background.add_task(run_in_threadpool, chains.run, found.id)
    return _json({"id": found.id, "status": found.status, "cached": cached,
                  "url": f"/api/publichealth/chains/{found.id}"}, 202)  # fmt: skip


@router.get("/api/publichealth/chains/{snapshot_id}")
def chain_snapshot(snapshot_id: str, request: Request, repo: RepoDep) -> Response:
    """Ảnh chụp chuỗi / A snapshot's status and a page of its chains."""
    return _json(tracing_of(request)[1].status(
        repo, _number(snapshot_id), offset=request.query_params.get("offset", "0"),
        limit=request.query_params.get("limit", "50")))


@router.get("/api/publichealth/chains/{snapshot_id}/chains/{number}")
def one_chain(snapshot_id: str, number: str, request: Request, repo: RepoDep) -> Response:
    """Một chuỗi / One chain: its figures and its drawing (SVG)."""
    return _json(tracing_of(request)[1].chain(
        repo, _number(snapshot_id), number,
        node_cap=request.query_params.get("node_cap", "150")))


@router.get("/api/publichealth/tracing/indicators")
def indicators(request: Request, repo: RepoDep) -> Response:
    """Chỉ số truy vết / The tracing indicators of a disease over a period."""
    q = request.query_params
    return _json(tracing_of(request)[1].indicators(repo, q.get("disease"), q.get("from"),
                                                    q.get("to"), q.get("few", "2")))


# -- pages ---------------------------------------------------------------------------------
def _contacts_page(request: Request, caller: PageCaller, saved: str | None = None,
                   bulk: str | None = None) -> HTMLResponse:  # fmt: skip
    q = request.query_params
    ward = q.get("ward")
    listing = None
    if ward:
        listing = tracing_of(request)[0].daily_list(
            caller.repo, ward, q.get("day") or None, offset=_query_int(request, "offset", 0),
            limit=_query_int(request, "limit", 200))
        for item in listing["items"]:
            item["csrf"] = caller.form_token(f"visit:{item['followup_id']}")
    supervisor = caller.principal.role in SUPERVISORS
    bulk_csrf = caller.form_token("visit-bulk") if supervisor else None
    return render_page(request, "publichealth_contacts.html", lang=caller.lang,
                       who=caller.who(), listing=listing, ward=ward or "", saved=saved,
                       outcomes=OUTCOME_NAMES, supervisor=supervisor, bulk=bulk,
                       bulk_csrf=bulk_csrf)  # fmt: skip


OUTCOME_NAMES = (("seen-ok", ("Đã gặp, khỏe", "Seen, well")),
                 ("seen-with-symptoms", ("Đã gặp, có triệu chứng", "Seen, with symptoms")),
                 ("missed", ("Không gặp", "Missed")),
                 ("not-attempted", ("Chưa thăm", "Not attempted")))  # fmt: skip


@router.get("/publichealth/contacts.html", include_in_schema=False)
def contacts_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Người tiếp xúc cần thăm hôm nay / Contacts due today, per ward (printable)."""
    saved = request.query_params.get("saved")
    bulk = request.query_params.get("bulk")
    page = _contacts_page(request, caller, saved if saved and saved.isdigit() else None,
                          bulk if bulk and bulk.isdigit() and len(bulk) < 6 else None)
    return page


@router.post("/publichealth/contacts/{followup_id}/visit", include_in_schema=False)
async def visit_form(followup_id: str, request: Request, caller: PageCallerDep) -> Response:
    """A visit's outcome from the list's form; back to the list."""
    number = _number(followup_id)
    form = await read_form(request)
    caller.check_form(request, f"visit:{number}", (form.get("csrf") or [None])[0])
    body = {"outcome": (form.get("outcome") or [None])[0]}
    if (form.get("day") or [""])[0]:
        body["day"] = form["day"][0]
    await run_in_threadpool(tracing_of(request)[0].record_visit, caller.repo, number, body)
    ward = (form.get("ward") or [""])[0]
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/publichealth/contacts.html?ward={_safe(ward)}&saved={number}",
                            status_code=303)  # fmt: skip


@router.post("/publichealth/contacts/bulk", include_in_schema=False)
async def bulk_form(request: Request, caller: PageCallerDep) -> Response:
    """The supervisors' bulk action from the list: reassign, or one outcome for many."""
    form = await read_form(request, max_bytes=64 * 1024, max_fields=1100)
    caller.check_form(request, "visit-bulk", (form.get("csrf") or [None])[0])
    ward = (form.get("ward") or [""])[0]
    ids = [_number(v) for v in form.get("fid") or []]
    tracing = tracing_of(request)[0]
    if (form.get("action") or [""])[0] == "assign":
        body: dict[str, Any] = {"ward": ward, "followup_ids": ids,
                                "assignee": (form.get("assignee") or [None])[0] or None}
        done = await run_in_threadpool(tracing.reassign, caller.repo, body)
    else:
        body = {"ward": ward, "followup_ids": ids, "outcome": (form.get("outcome") or [""])[0]}
        if (form.get("day") or [""])[0]:
            body["day"] = form["day"][0]
        done = await run_in_threadpool(tracing.bulk_outcome, caller.repo, body)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/publichealth/contacts.html?ward={_safe(ward)}&bulk={done}",
                            status_code=303)  # fmt: skip


def _safe(ward: str) -> str:
    return ward if ward.isascii() and ward.isalnum() and len(ward) <= 8 else ""


@router.get("/publichealth/chains/{snapshot_id}.html", include_in_schema=False)
def chain_page(snapshot_id: str, request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Chuỗi lây nhiễm / A chain snapshot: its chains, one drawn."""
    chains, number = tracing_of(request)[1], _number(snapshot_id)
    q = request.query_params
    status = chains.status(caller.repo, number, offset=q.get("offset", "0"), limit="50")
    shown = None
    if status["status"] == "done" and status["totals"]["chains"]:
        shown = chains.chain(caller.repo, number, q.get("chain", "1"),
                             node_cap=q.get("node_cap", "150"))  # fmt: skip
    return render_page(request, "publichealth_chain.html", lang=caller.lang, who=caller.who(),
                       snap=status, shown=shown)  # fmt: skip


@router.get("/publichealth/chains.html", include_in_schema=False)
def chains_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Chuỗi lây nhiễm theo bệnh / A disease's chain snapshots, and a form for a new one."""
    disease = request.query_params.get("disease") or ""
    listed = tracing_of(request)[1].recent(caller.repo, disease) if disease else None
    return render_page(request, "publichealth_chains.html", lang=caller.lang,
                       who=caller.who(), disease=disease, snapshots=listed,
                       csrf=caller.form_token("chains"))  # fmt: skip


@router.post("/publichealth/chains.html", include_in_schema=False)
async def chains_form(request: Request, caller: PageCallerDep,
                      background: BackgroundTasks) -> Response:  # fmt: skip
    """Ask for a snapshot from the form; to its page (computed after the answer)."""
    form = await read_form(request)
    caller.check_form(request, "chains", (form.get("csrf") or [None])[0])
    body: dict[str, Any] = {"disease": (form.get("disease") or [""])[0]}
    if (form.get("as_of") or [""])[0]:
        body["as_of"] = form["as_of"][0]
    chains = tracing_of(request)[1]
    found, _cached = await run_in_threadpool(chains.request, caller.repo, body)
    if found.status == "queued":
        background.add_task(run_in_threadpool, chains.run, found.id)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/publichealth/chains/{found.id}.html", status_code=303,
                            background=background)  # fmt: skip
