"""The resident's rights over their record, as pages of their book (issue 17 point 4):

- `GET /book/{patient_id}/access`: who opened my record — the audit trail as the
  resident sees it (`$access-log`: facility, role, when, why; break-the-glass with its
  reason), newest first, page by page;
- `GET|POST /book/{patient_id}/consent`: block a facility, hide a sensitive category,
  national sharing on/off, and withdraw any of these (`hoso.healthbook.consent_choices`);
- `GET|POST /book/{patient_id}/requests`: the data-subject requests (`$data-request`)
  with their deadlines, and a form to file one.

Thin: every read and write goes through the caller's access repository, as the FHIR
API's would (a resident writes Consents and Tasks only in their own or their child's
record); forms carry a CSRF token bound to the session and the book.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hoso.access import subject_rights
from hoso.access.data_requests import KINDS
from hoso.access.health_book_access import check_book_reader
from hoso.access.records import access_log
from hoso.api.book_routes import PAGE
from hoso.api.facility_names import (
    facility_names,
    facility_organizations,
    organization_names,
)
from hoso.api.forms import read_form
from hoso.api.layout import ROLE_NAMES, render_page
from hoso.api.page_session import PageCaller, PageCallerDep, refuse_cross_site
from hoso.core import jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.core.text import whole_number
from hoso.fhir.repository import every_match
from hoso.fhir.security_labels import LABEL_NAMES
from hoso.healthbook import consent_choices as choices
from hoso.healthbook.content import health_book

router = APIRouter(prefix="/book", include_in_schema=False)

SUBTYPES = {"read": ("Xem", "Read"), "vread": ("Xem", "Read"), "search-type": ("Tìm kiếm",
            "Search"), "search": ("Tìm kiếm", "Search"), "create": ("Thêm", "Create"),
            "update": ("Sửa", "Update"), "delete": ("Xoá", "Delete"),
            "break-glass": ("Truy cập khẩn cấp", "Break-the-glass")}  # fmt: skip


# -- who opened my record ---------------------------------------------------------------
@router.get("/{patient_id}/access")
async def access(request: Request, patient_id: str, caller: PageCallerDep,
                 before: str | None = None) -> HTMLResponse:  # fmt: skip
    cursor = whole_number(before) if before is not None else None
    if before is not None and (cursor is None or cursor < 1):
        raise InvalidRequest("before là số ≥ 1 / before is a number ≥ 1", expression=["before"])
    check_book_reader(caller.repo, patient_id)
    rows, names = await run_in_threadpool(_access_rows, caller, patient_id, cursor)
    more = rows[-1]["seq"] if len(rows) == PAGE * 2 else None
    return render_page(request, "book_access.html", lang=caller.lang, who=caller.who(),
                       pid=patient_id, rows=rows, facilities=names, more=more)  # fmt: skip


def _access_rows(caller: PageCaller, patient_id: str, before: int | None
                 ) -> tuple[list[dict[str, Any]], dict[str, str]]:  # fmt: skip
    events = access_log(caller.repo, patient_id, before=before, count=PAGE * 2)
    rows = [_access_row(seq, event, caller.lang) for seq, event in events]
    return rows, facility_names(caller.repo, [r["facility"] for r in rows])


def _access_row(seq: int, event: dict[str, Any], lang: str) -> dict[str, Any]:
    role, facility, reasons = None, None, set()
    for agent in event.get("agent") or []:
        if agent.get("requestor"):
            role = ((agent.get("type") or {}).get("coding") or [{}])[0].get("code")
            reasons |= {c.get("code") for p in agent.get("purposeOfUse") or []
                        for c in p.get("coding") or []}  # fmt: skip
        else:
            facility = ((agent.get("who") or {}).get("identifier") or {}).get("value")
    subtype = ((event.get("subtype") or [{}])[0]).get("code") or ""
    pick = 0 if lang == "vi" else 1
    return {"seq": seq, "when": event.get("recorded"), "facility": facility,
            "role": ROLE_NAMES.get(role, (role or "—", role or "—"))[pick],
            "what": SUBTYPES.get(subtype, (subtype, subtype))[pick],
            "break_glass": "BTG" in reasons,
            "reason": event.get("outcomeDesc") if "BTG" in reasons else None,
            "outcome": event.get("outcome")}  # fmt: skip


# -- consents ---------------------------------------------------------------------------
@router.get("/{patient_id}/consent")
async def consent(request: Request, patient_id: str, caller: PageCallerDep) -> HTMLResponse:
    check_book_reader(caller.repo, patient_id)
    page = await run_in_threadpool(_consent_page, caller, patient_id)
    return render_page(request, "book_consent.html", lang=caller.lang, who=caller.who(),
                       pid=patient_id, labels=LABEL_NAMES,
                       csrf=caller.form_token(f"book-consent:{patient_id}"), **page)  # fmt: skip


def _consent_page(caller: PageCaller, patient_id: str) -> dict[str, Any]:
    book = health_book(caller.repo, patient_id, caller.lang)
    codes = {i.get("facility") for s in [*book["history"], book["episodes"], book["papers"]]
             for i in s["items"]}  # fmt: skip
    # A facility is named by its code (what it wrote) or by an Organization reference
    # (an episode's provider): both become the Organization a Consent names.
    refs = {c for c in codes if c and c.startswith("Organization/")}
    orgs = facility_organizations(caller.repo, codes - refs)
    names = {ref: name or code for code, (ref, name) in orgs.items()}
    named = organization_names(caller.repo, refs)
    names |= {ref: named.get(ref, ref) for ref in refs}
    search = [("patient", f"Patient/{patient_id}"), ("status", "active")]
    active = [choices.describe(jsonx.loads(hit.content), names)
              for hit in every_match(caller.repo, "Consent", search)]  # fmt: skip
    return {"choices": active, "facility_options": sorted(names.items(), key=lambda o: o[1]),
            "sharing_off": any(c.kind == "national-sharing-off" for c in active)}  # fmt: skip


@router.post("/{patient_id}/consent")
async def consent_form(request: Request, patient_id: str, caller: PageCallerDep) -> Response:
    refuse_cross_site(request)  # before reading a body another site sent
    form = await read_form(request, max_bytes=2048)
    caller.check_form(request, f"book-consent:{patient_id}", _one(form, "csrf"))
    check_book_reader(caller.repo, patient_id)
    await run_in_threadpool(_apply_choice, caller, patient_id, form)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/book/{patient_id}/consent", status_code=303)


def _apply_choice(caller: PageCaller, patient_id: str, form: dict[str, list[str]]) -> None:
    action, repo = _one(form, "action"), caller.repo
    if action == "block-facility":
        wanted = _one(form, "facility")
        if wanted not in dict(_consent_page(caller, patient_id)["facility_options"]):
            raise InvalidRequest("Hãy chọn một cơ sở trong danh sách / Choose a facility "
                                 "from the list", expression=["facility"])  # fmt: skip
        repo.create(choices.block_facility(patient_id, wanted))
    elif action == "hide-category":
        label = _one(form, "label")
        if label not in LABEL_NAMES:
            raise InvalidRequest("Nhóm thông tin không hợp lệ / Unknown category",
                                 expression=["label"])  # fmt: skip
        repo.create(choices.hide_category(patient_id, label))
    elif action == "national-sharing-off":
        repo.create(choices.national_sharing_off(patient_id))
    elif action == "withdraw":
        _withdraw(caller, patient_id, _one(form, "consent"))
    else:
        raise InvalidRequest("Thao tác không hợp lệ / Unknown action", expression=["action"])


def _withdraw(caller: PageCaller, patient_id: str, consent_id: str) -> None:
    """Withdrawn, never erased (the consent log keeps it): status inactive."""
    found = jsonx.loads(caller.repo.read("Consent", consent_id[:64]).content)
    if (found.get("patient") or {}).get("reference") != f"Patient/{patient_id}":
        raise ResourceNotFound(f"Không tìm thấy Consent/{consent_id[:64]} / "
                               f"Consent/{consent_id[:64]} not found")  # fmt: skip
    caller.repo.update("Consent", str(found["id"]), {**found, "status": "inactive"})


def _one(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0]


# -- data requests ----------------------------------------------------------------------
@router.get("/{patient_id}/requests")
async def requests(request: Request, patient_id: str, caller: PageCallerDep) -> HTMLResponse:
    check_book_reader(caller.repo, patient_id)
    page = await run_in_threadpool(subject_rights.list_requests, caller.repo, patient_id,
                                   count=PAGE, cursor=None)  # fmt: skip
    tasks = [jsonx.loads(hit.content) for hit in page.matches]
    return render_page(request, "book_requests.html", lang=caller.lang, who=caller.who(),
                       pid=patient_id, tasks=tasks, kinds=KINDS,
                       csrf=caller.form_token(f"book-request:{patient_id}"))  # fmt: skip


@router.post("/{patient_id}/requests")
async def request_form(request: Request, patient_id: str, caller: PageCallerDep) -> Response:
    refuse_cross_site(request)
    form = await read_form(request, max_bytes=4096)
    caller.check_form(request, f"book-request:{patient_id}", _one(form, "csrf"))
    check_book_reader(caller.repo, patient_id)
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "kind", "valueCode": _one(form, "kind")},
        {"name": "description", "valueString": _one(form, "description")}]}  # fmt: skip
    settings = request.app.state.settings
    await run_in_threadpool(lambda: subject_rights.file_request(
        caller.repo, patient_id, body, cccd_system=settings.cccd_system))  # fmt: skip
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/book/{patient_id}/requests", status_code=303)
