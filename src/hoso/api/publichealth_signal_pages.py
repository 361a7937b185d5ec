"""The pages of alarms, foci and denominators (`/publichealth/signals`, `/publichealth/
foci`, `/publichealth/foci/{id}`, `/publichealth/population`): the same calls as the JSON
API (`publichealth_signal_routes`), with plain forms — a POST with the form's CSRF
token, then 303 back to the page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hoso.api import publichealth_signal_routes as api
from hoso.api.forms import read_form
from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep
from hoso.api.publichealth_dashboard_routes import diseases
from hoso.core.vi_format import vi_datetime
from hoso.publichealth.series.districts import ward_places

router = APIRouter()


def _one(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _when(us: int | None) -> str:
    return vi_datetime(us / 1_000_000) if us else "—"


def _back(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(f"{request.scope.get('root_path', '')}{path}", status_code=303)


async def _form(request: Request, caller: PageCaller, purpose: str,
                fields: int = 8, size: int = 8192) -> dict[str, list[str]]:  # fmt: skip
    form = await read_form(request, max_bytes=size, max_fields=fields)
    caller.check_form(request, purpose, _one(form, "csrf"))
    return form


# -- signals ------------------------------------------------------------------------------
def _signals_page(request: Request, caller: PageCaller) -> HTMLResponse:
    params = {"status": request.query_params.get("status", "open"),
              "disease": request.query_params.get("disease", "")}  # fmt: skip
    listed = api.signals(request, caller.repo, params)
    names = {d["code"]: d for d in diseases(request, caller.repo)}
    for item in listed:
        item["disease_name"] = names.get(item["disease"])
        item["csrf"] = caller.form_token(f"ph-signal:{item['id']}")
        item["decided"] = _when(item["decided_at"])
    return render_page(request, "publichealth_signals.html", lang=caller.lang,
                       who=caller.who(), signals=listed, chosen=params["status"],
                       statuses=api.SIGNAL_STATUSES)  # fmt: skip


@router.get("/publichealth/signals", include_in_schema=False)
async def signals_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Tín hiệu cảnh báo / Alarms, with their decisions."""
    return await run_in_threadpool(_signals_page, request, caller)


@router.post("/publichealth/signals/{signal_id}", include_in_schema=False)
async def signal_form(signal_id: str, request: Request, caller: PageCallerDep) -> Response:
    number = api.record_number(signal_id, "tín hiệu / signal")
    form = await _form(request, caller, f"ph-signal:{number}")
    body = {"decision": _one(form, "decision"), "note": _one(form, "note")}
    done = await run_in_threadpool(api.decide, request, caller.repo, number, body)
    if done["focus_id"]:
        return _back(request, f"/publichealth/foci/{done['focus_id']}")
    return _back(request, "/publichealth/signals")


# -- foci ---------------------------------------------------------------------------------
def _foci_page(request: Request, caller: PageCaller) -> HTMLResponse:
    params = {"status": request.query_params.get("status", "")}
    listed = api.foci(request, caller.repo, params)
    for item in listed:
        item["deadline"] = _when(item["response_deadline_at"])
    return render_page(request, "publichealth_foci.html", lang=caller.lang, who=caller.who(),
                       foci=listed, chosen=params["status"], statuses=api.FOCUS_STATUSES,
                       diseases=diseases(request, caller.repo), wards=ward_places(),
                       csrf=caller.form_token("ph-focus-new"))  # fmt: skip


@router.get("/publichealth/foci", include_in_schema=False)
async def foci_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Ổ dịch / Outbreak foci, and the form to register one."""
    return await run_in_threadpool(_foci_page, request, caller)


@router.post("/publichealth/foci", include_in_schema=False)
async def focus_new_form(request: Request, caller: PageCallerDep) -> Response:
    form = await _form(request, caller, "ph-focus-new")
    count = _one(form, "case_count") or "1"
    body: dict[str, Any] = {name: _one(form, name) for name in
                            ("disease", "ward", "first_case_date", "last_case_date")}  # fmt: skip
    body["case_count"] = int(count) if count.isascii() and count.isdigit() and \
        len(count) < 7 else count  # fmt: skip
    done = await run_in_threadpool(api.register, request, caller.repo, body)
    return _back(request, f"/publichealth/foci/{done['id']}")


def _focus_page(request: Request, caller: PageCaller, number: int) -> HTMLResponse:
    item = api.focus(request, caller.repo, number)
    item["deadline"] = _when(item["response_deadline_at"])
    item["opened"] = _when(item["opened_at"])
    for entry in item["reports"]:
        entry["when"] = _when(entry["reported_at"])
    return render_page(request, "publichealth_focus.html", lang=caller.lang, who=caller.who(),
                       focus=item, csrf_status=caller.form_token(f"ph-focus:{number}"),
                       csrf_report=caller.form_token(f"ph-focus-report:{number}"))  # fmt: skip


@router.get("/publichealth/foci/{focus_id}", include_in_schema=False)
async def focus_page(focus_id: str, request: Request, caller: PageCallerDep) -> HTMLResponse:
    number = api.record_number(focus_id, "ổ dịch / focus")
    return await run_in_threadpool(_focus_page, request, caller, number)


@router.post("/publichealth/foci/{focus_id}/status", include_in_schema=False)
async def focus_status_form(focus_id: str, request: Request, caller: PageCallerDep) -> Response:
    number = api.record_number(focus_id, "ổ dịch / focus")
    form = await _form(request, caller, f"ph-focus:{number}")
    await run_in_threadpool(api.move, request, caller.repo, number, _one(form, "action"))
    return _back(request, f"/publichealth/foci/{number}")


@router.post("/publichealth/foci/{focus_id}/reports", include_in_schema=False)
async def focus_report_form(focus_id: str, request: Request, caller: PageCallerDep) -> Response:
    number = api.record_number(focus_id, "ổ dịch / focus")
    form = await _form(request, caller, f"ph-focus-report:{number}", size=16384)
    count = _one(form, "new_cases") or "0"
    body = {"text": _one(form, "text"),
            "new_cases": int(count) if count.isascii() and count.isdigit() and len(count) < 7
            else count}  # fmt: skip
    await run_in_threadpool(api.report, request, caller.repo, number, body)
    return _back(request, f"/publichealth/foci/{number}")


# -- denominators -------------------------------------------------------------------------
@router.get("/publichealth/population", include_in_schema=False)
async def population_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Dân số theo phường/xã / Ward populations: paste a CSV."""
    await run_in_threadpool(diseases, request, caller.repo)  # refuses and audits non-officers
    return render_page(request, "publichealth_population.html", lang=caller.lang,
                       who=caller.who(), stored=None,
                       csrf=caller.form_token("ph-population"))  # fmt: skip


@router.post("/publichealth/population", include_in_schema=False)
async def population_form(request: Request, caller: PageCallerDep) -> HTMLResponse:
    form = await _form(request, caller, "ph-population", fields=3, size=api.MAX_CSV)
    stored = await run_in_threadpool(api.load_population, request, caller.repo,
                                     _one(form, "csv") or "")  # fmt: skip
    return render_page(request, "publichealth_population.html", lang=caller.lang,
                       who=caller.who(), stored=stored,
                       csrf=caller.form_token("ph-population"))  # fmt: skip
