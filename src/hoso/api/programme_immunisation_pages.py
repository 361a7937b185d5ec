"""`/programmes/immunisation`: the immunisation programme's pages for a ward health
station, the same calls as the JSON API (`hoso.api.programme_immunisation_routes`).

- `GET /programmes/immunisation/children/{patient}`: the session screen — the child's
  due doses, the doses given, flagged lots, and the form to record a dose (product,
  lot, expiry, site, route, the 30-minute observation, an AEFI); it posts back to
  `…/doses` and returns to the child (303), or shows the refusal (400/409) on the page;
- `GET /programmes/immunisation/coverage?ward&birth_year`: coverage per antigen and dose;
- `GET /programmes/immunisation/aefi`: the 24-hour AEFI reports, overdue first marked;
  `POST /programmes/immunisation/aefi/{id}/sent`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hoso.api.forms import read_form
from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep, refuse_cross_site
from hoso.api.programme_immunisation_routes import (
    child_json,
    immunisation_for,
    patient_id,
    report_json,
    today,
    ward_code,
    year_of,
)
from hoso.core import clock
from hoso.core.errors import Conflict, InvalidRequest
from hoso.programmes.framework import DUE_STATUSES
from hoso.programmes.immunisation import session

router = APIRouter(prefix="/programmes/immunisation")

STATUS_NAMES = {"due": ("Đến hạn tháng này", "Due this month"),
                "upcoming": ("Sắp đến hạn", "Upcoming"),
                "overdue": ("Quá hạn", "Overdue"),
                "missed": ("Bỏ lỡ, quá tuổi", "Missed")}  # fmt: skip
DOSE_FIELDS = ("product", "lot", "expiry", "given_at", "site", "route", "dose_ml",
               "dose_number", "observed_minutes", "reaction_seen", "observation_note")  # fmt: skip
AEFI_FIELDS = ("event", "seriousness", "severity", "onset")


def _dose_request(fields: dict[str, str]) -> dict[str, Any]:
    """The form's fields as the API's body: empty fields left out; an AEFI only when
    its event is filled in."""
    body: dict[str, Any] = {k: fields[k] for k in DOSE_FIELDS if fields.get(k)}
    if fields.get("aefi_event"):
        body["aefi"] = {k: fields[f"aefi_{k}"] for k in AEFI_FIELDS if fields.get(f"aefi_{k}")}
    return body


def _child_page(request: Request, caller: PageCaller, pid: str, *, error: str | None = None,
                status: int = 200, values: dict[str, str] | None = None
                ) -> HTMLResponse:  # fmt: skip
    access = immunisation_for(request, caller.repo)
    view = access.child(pid, today())
    flagged = access.access.lots("flagged")
    now = clock.now().astimezone(clock.VN_TZ).strftime("%Y-%m-%dT%H:%M")
    return render_page(request, "programme_immunisation_child.html", lang=caller.lang,
                       who=caller.who(), child=child_json(view), status_names=STATUS_NAMES,
                       order=DUE_STATUSES, products=session.products(), sites=session.SITES,
                       routes=session.ROUTES, flagged=flagged, error=error, status=status,
                       values=values or {"given_at": now, "observed_minutes": "30"},
                       csrf=caller.form_token(f"imm-dose:{pid}"),
                       saved=request.query_params.get("saved"),
                       report=request.query_params.get("report"))  # fmt: skip


@router.get("/children/{patient}", include_in_schema=False)
def child_page(patient: str, request: Request, caller: PageCallerDep) -> HTMLResponse:
    return _child_page(request, caller, patient_id(patient))


@router.post("/children/{patient}/doses", include_in_schema=False)
async def dose_form(patient: str, request: Request, caller: PageCallerDep) -> Response:
    pid = patient_id(patient)
    refuse_cross_site(request)
    form = await read_form(request, max_bytes=8192, max_fields=24)
    fields = {k: v[0] for k, v in form.items() if v and k != "csrf"}
    caller.check_form(request, f"imm-dose:{pid}", (form.get("csrf") or [None])[0])
    access = immunisation_for(request, caller.repo)
    try:
        done = await run_in_threadpool(access.record_dose, pid, _dose_request(fields))
    except (InvalidRequest, Conflict) as exc:
        return await run_in_threadpool(_child_page, request, caller, pid, error=exc.message,
                                       status=exc.http_status, values=fields)  # fmt: skip
    root = request.scope.get("root_path", "")
    report = f"&report={done['report']}" if done["report"] else ""
    return RedirectResponse(f"{root}/programmes/immunisation/children/{pid}?saved=1{report}",
                            status_code=303)  # fmt: skip


@router.get("/coverage", include_in_schema=False)
def coverage_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    query = request.query_params
    ward, year, rows = query.get("ward", ""), query.get("birth_year", ""), None
    if ward or year:
        code, cohort = ward_code(ward), year_of(year)
        rows = immunisation_for(request, caller.repo).coverage(str(code), cohort, today())
    return render_page(request, "programme_immunisation_coverage.html", lang=caller.lang,
                       who=caller.who(), ward=ward[:8], birth_year=year[:4], rows=rows,
                       this_year=today().year)  # fmt: skip


@router.get("/aefi", include_in_schema=False)
def aefi_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    found = immunisation_for(request, caller.repo).access.reports()
    now = clock.now_us()
    reports = [report_json(r, now) for r in found]
    return render_page(request, "programme_immunisation_aefi.html", lang=caller.lang,
                       who=caller.who(), reports=reports, instant=_instant,
                       forms={r["id"]: caller.form_token(f"imm-aefi:{r['id']}")
                              for r in reports})  # fmt: skip


@router.post("/aefi/{report}/sent", include_in_schema=False)
async def aefi_sent(report: str, request: Request, caller: PageCallerDep) -> Response:
    if not report.isascii() or not report.isdigit() or len(report) > 9:  # an INTEGER
        raise InvalidRequest("report: một số / a number", expression=["report"])
    refuse_cross_site(request)
    form = await read_form(request, max_bytes=1024, max_fields=2)
    caller.check_form(request, f"imm-aefi:{report}", (form.get("csrf") or [None])[0])
    await run_in_threadpool(immunisation_for(request, caller.repo).access.mark_reported,
                            int(report))  # fmt: skip
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/programmes/immunisation/aefi", status_code=303)


def _instant(iso: str | None) -> str:
    if not iso:
        return "—"
    return clock.local_display(datetime.fromisoformat(iso.replace("Z", "+00:00")))
