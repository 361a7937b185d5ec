"""`/publichealth/cases`: the officer's cases as pages, the same calls as the JSON API
(`hoso.api.publichealth_case_routes`) behind them.

- `GET /publichealth/cases?disease&classification`: the cases linked to the officer,
  with the count of all cases (not personal) and the facilities' late reports;
- `GET /publichealth/cases/{id}`: the person, the deadline clock, the history, the
  evidence, and forms to reclassify (with a reason), record epidemiological data and
  close; each form posts back and returns to the case (303).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hoso.api.forms import read_form
from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep, refuse_cross_site
from hoso.api.publichealth_case_routes import case_number, cases_for, catalogue_for, person_of
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest
from hoso.publichealth import case_reports
from hoso.publichealth.definitions import CLASSIFICATIONS
from hoso.publichealth.wards import ward_name

router = APIRouter(prefix="/publichealth/cases")
PAGE = 50
CLASS_NAMES = {
    "suspected": ("Nghi ngờ", "Suspected"), "probable": ("Có thể", "Probable"),
    "confirmed": ("Xác định", "Confirmed"), "discarded": ("Loại trừ", "Discarded"),
}  # fmt: skip
ACTIONS = ("classification", "epi", "close")
EVENT_NAMES = {
    "created": ("Tạo ca bệnh", "Case made"), "evidence": ("Thêm bằng chứng", "Evidence added"),
    "classification": ("Phân loại", "Classification"), "severity": ("Mức độ", "Severity"),
    "epi": ("Thông tin dịch tễ", "Epidemiological data"), "closed": ("Đóng ca", "Closed"),
    "officer": ("Giao cán bộ", "Officer linked"),
    "evidence-withdrawn": ("Bằng chứng bị rút lại", "Evidence withdrawn"),
    "evidence-after-discard": ("Bằng chứng mới sau khi loại trừ", "New evidence after discard"),
}  # fmt: skip


@router.get("", include_in_schema=False)
def case_list(request: Request, caller: PageCallerDep) -> HTMLResponse:
    query = request.query_params
    filters = {k: query[k][:64] for k in ("disease", "classification") if query.get(k)}
    try:
        offset = max(0, min(int(query.get("offset", "0")), 10_000_000))
    except ValueError:
        raise InvalidRequest("offset: số nguyên / an integer") from None
    access = cases_for(request, caller.repo)
    page, mine, every = access.cases(offset=offset, limit=PAGE, **filters)
    catalogue = catalogue_for(request, caller.repo)
    diseases = {s.definition.code: s.definition for s in catalogue.current()}
    now = clock.now_us()
    late = access.overdue_by_facility(now - 30 * 86_400_000_000, now + 1)
    rows = [case_reports.case_json(c, diseases.get(c.disease), person=None, now_us=now)
            for c in page]  # fmt: skip
    return render_page(request, "publichealth_cases.html", lang=caller.lang, who=caller.who(),
                       rows=rows, mine=mine, every=every, offset=offset, page=PAGE,
                       filters=filters, diseases=diseases, classes=CLASS_NAMES,
                       late=[row for row in late if row[2]], ward_name=ward_name)  # fmt: skip


@router.get("/{case_id}", include_in_schema=False)
def case_page(case_id: str, request: Request, caller: PageCallerDep) -> HTMLResponse:
    return _case_page(request, caller, case_number(case_id))


def _case_page(request: Request, caller: PageCaller, number: int, *, error: str | None = None,
               status: int = 200) -> HTMLResponse:  # fmt: skip
    access = cases_for(request, caller.repo)
    found = access.case(number)
    stored = catalogue_for(request, caller.repo).get(found.disease)
    definition = stored.definition if stored else None
    person = person_of(caller.repo, found.patient_id)
    case = case_reports.case_json(found, definition, person=person, now_us=clock.now_us())
    history = access.history(number)
    events = [{"at": clock.from_us(at), "kind": kind, "value": jsonx.loads(value), "agent": agent}
              for at, kind, value, agent in history["events"]]  # fmt: skip
    report = case_reports.national_report(found, definition, person)
    forms = {a: caller.form_token(f"case-{a}:{number}") for a in ACTIONS}
    grades = {g.code: g for g in definition.severities} if definition else {}
    return render_page(request, "publichealth_case.html", lang=caller.lang, who=caller.who(),
                       case=case, report=report, events=events, evidence=history["evidence"],
                       officers=history["officers"], definition=definition, forms=forms,
                       classes=CLASS_NAMES, all_classes=CLASSIFICATIONS, error=error,
                       ward_name=ward_name, instant=_instant, status=status,
                       severity=grades.get(found.severity or ""), kinds=EVENT_NAMES)  # fmt: skip


def _instant(iso: str) -> str:
    from datetime import datetime

    return clock.local_display(datetime.fromisoformat(iso.replace("Z", "+00:00")))


@router.post("/{case_id}/{action}", include_in_schema=False)
async def case_form(case_id: str, action: str, request: Request,
                    caller: PageCallerDep) -> Response:  # fmt: skip
    number = case_number(case_id)
    refuse_cross_site(request)
    if action not in ACTIONS:
        raise InvalidRequest(f"Không có thao tác / no action {action[:40]}")
    form = await read_form(request, max_bytes=8192, max_fields=12)
    fields = {k: v[0] for k, v in form.items() if v and k != "csrf"}
    caller.check_form(request, f"case-{action}:{number}", (form.get("csrf") or [None])[0])
    try:
        await run_in_threadpool(_apply, request, caller, number, action, fields)
    except InvalidRequest as exc:
        return await run_in_threadpool(_case_page, request, caller, number,
                                       error=exc.message,
                                       status=400)  # fmt: skip
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/publichealth/cases/{number}", status_code=303)


def _apply(request: Request, caller: PageCaller, number: int, action: str,
           fields: dict[str, Any]) -> None:  # fmt: skip
    access = cases_for(request, caller.repo)
    found = access.case(number)
    if action == "epi":  # a form sends its empty fields; the API would not
        fields = {k: v for k, v in fields.items() if v != ""}
    changes, events = case_reports.case_change(action, found, None, fields)
    access.change_case(number, changes, events)
