"""`/booking/`: the residents' booking portal (issue 21 point 5; docs/booking-portal.md),
Vietnamese first, phone first, three taps from the start to a booked visit:

1. choose a service (`/booking/`) → 2. choose an option (`/booking/options?service=…`,
   `BookingService.find` ranked, a few days ahead): the tap HOLDS the seat 10 minutes →
3. confirm (`/booking/confirm/{id}`, with the BHYT estimate) → the booked visit with
   its queue number, time and place (`/booking/visits/{id}`).

"Lịch hẹn của tôi" (`/booking/visits`) lists the upcoming visits, each with cancel and
reschedule. A first visit without an account logs in with a one-time code (CCCD + phone,
`/booking/code`, `/booking/verify`); a resident with a web login uses theirs. Every POST
carries a form token (CSRF) and is refused from another site. Thin: the booking service
does every step through the access layer's door, audited.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hoso.access.booking_codes import ASKED, WRONG, BookingCodes
from hoso.api.booking_portal_session import (
    Booker,
    booker_of,
    booking_cookie,
    source_ip,
)
from hoso.api.booking_portal_visits import (
    day_options,
    one_day,
    service_choices,
    visit_page,
    weekday,
)
from hoso.api.forms import read_form
from hoso.api.layout import render_page
from hoso.api.page_session import refuse_cross_site
from hoso.assembly import booking_codes, booking_service
from hoso.booking.service import BookRequest
from hoso.core.errors import (
    Conflict,
    FhirError,
    Forbidden,
    InvalidRequest,
    Unauthorized,
    UnprocessableEntity,
)

__all__ = ["install", "router"]

router = APIRouter(prefix="/booking", include_in_schema=False)


def install(app: FastAPI) -> None:
    """The one-time codes' door on the app's state (`state.booking_codes`)."""
    app.state.booking_codes = booking_codes(app.state.store, app.state.audit_trail)


def _go(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(f"{request.scope.get('root_path', '')}{path}", status_code=303)


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _page(request: Request, booker: Booker | None, template: str, **context: Any
          ) -> HTMLResponse:  # fmt: skip
    lang = booker.lang if booker else "vi"
    logout = booker.form_token("logout") if booker and booker.otp else None
    return render_page(request, template, lang=lang, who=booker.who if booker else None,
                       show_login=False, otp_logout=logout,
                       weekday=lambda v: weekday(v, lang), **context)  # fmt: skip


async def _resident(request: Request) -> tuple[Booker, str]:
    booker = await booker_of(request)
    if booker is None:
        raise _Start("Cần đăng nhập hoặc nhận mã một lần / Log in or ask for a one-time code")
    if booker.patient_id is None:
        raise Forbidden("Trang này dành cho người dân; nhân viên tổng đài dùng /booking/"
                        "call-centre/ / This page is for residents; call-centre agents use "
                        "/booking/call-centre/")  # fmt: skip
    return booker, booker.patient_id


class _Start(Unauthorized):
    """No one is logged in: a page shows the start (a code, or the web login); a form
    post is a 401."""


# -- the start: one-time code ---------------------------------------------------------------
@router.get("")
async def home(request: Request) -> Response:
    try:
        booker, patient_id = await _resident(request)
    except _Start:
        return _page(request, None, "booking_start.html", message=None, cccd="")
    service = booking_service(booker.repo)
    services, visits = await run_in_threadpool(service_choices, service, patient_id)
    return _page(request, booker, "booking_home.html", services=services, visits=visits)


@router.post("/code")
async def ask_code(request: Request) -> HTMLResponse:
    refuse_cross_site(request)  # no session yet: the browser's Origin is the check
    form = await read_form(request, max_bytes=1024)
    codes: BookingCodes = request.app.state.booking_codes
    cccd = _one(form, "cccd").strip()[:20]
    try:
        message = await run_in_threadpool(codes.request, cccd, _one(form, "phone")[:20],
                                          source_ip(request))  # fmt: skip
    except InvalidRequest as exc:
        return _page(request, None, "booking_start.html", status=400, cccd=cccd,
                     message=exc.issues[0].diagnostics)  # fmt: skip
    return _page(request, None, "booking_code.html", cccd=cccd, message=message, error=None)


@router.post("/verify")
async def verify_code(request: Request) -> Response:
    refuse_cross_site(request)
    form = await read_form(request, max_bytes=1024)
    codes: BookingCodes = request.app.state.booking_codes
    cccd = _one(form, "cccd").strip()[:20]
    opened = await run_in_threadpool(codes.verify, cccd, _one(form, "code")[:12],
                                     source_ip(request))  # fmt: skip
    if opened is None:
        return _page(request, None, "booking_code.html", status=400, cccd=cccd, message=ASKED,
                     error=WRONG)  # fmt: skip
    response = _go(request, "/booking/")
    response.headers.append("set-cookie", booking_cookie(request.app.state.settings, opened[0]))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    booker = await booker_of(request)
    response = _go(request, "/booking/")
    if booker is not None and booker.otp is not None:
        form = await read_form(request, max_bytes=1024)
        booker.check_form(request, "logout", _one(form, "csrf"))
        codes: BookingCodes = request.app.state.booking_codes
        await run_in_threadpool(codes.end, booker.otp, source_ip(request))
        response.headers.append("set-cookie", booking_cookie(request.app.state.settings, "",
                                                             clear=True))  # fmt: skip
    return response


# -- 2. the options, held on a tap; 3. confirm -----------------------------------------------
@router.get("/options")
async def options(request: Request, service: str = "", moving: str = "", day: str = ""
                  ) -> Response:  # fmt: skip
    try:
        booker, patient_id = await _resident(request)
    except _Start:
        return _go(request, "/booking/")
    return await _options_page(request, booker, patient_id, service, moving, day)


async def _options_page(request: Request, booker: Booker, patient_id: str, service: str,
                        moving: str = "", day: str = "", problem: FhirError | None = None
                        ) -> HTMLResponse:  # fmt: skip
    """The options; with `problem`, the refusal of the time just tapped (a full Slot, a
    second booking that day…) above the options still open, so one more tap books."""
    if not service or len(service) > 64 or len(moving) > 64:
        raise InvalidRequest("Hãy chọn một dịch vụ / Choose a service", expression=["service"])
    booking = booking_service(booker.repo)
    found = await run_in_threadpool(day_options, booking, patient_id, service,
                                    one_day(day, booking.rules))  # fmt: skip
    purpose = f"reschedule:{moving}" if moving else "hold"
    return _page(request, booker, "booking_options.html", days=found, service=service,
                 moving=moving or None, one=bool(day), csrf=booker.form_token(purpose),
                 problem=problem.issues[0].diagnostics if problem else None,
                 status=problem.http_status if problem else 200)  # fmt: skip


@router.post("/hold")
async def hold(request: Request) -> Response:
    booker, patient_id = await _resident(request)
    form = await read_form(request, max_bytes=1024)
    booker.check_form(request, "hold", _one(form, "csrf"))
    request_ = BookRequest(patient_id, slot_id=_one(form, "slot")[:64], channel="web")
    try:
        held = await run_in_threadpool(booking_service(booker.repo).hold, request_)
    except (Conflict, UnprocessableEntity) as exc:
        return await _options_page(request, booker, patient_id, _one(form, "service")[:64],
                                   problem=exc)  # fmt: skip
    return _go(request, f"/booking/confirm/{held['id']}")


@router.get("/confirm/{appointment_id}")
async def confirm_page(request: Request, appointment_id: str) -> Response:
    try:
        booker, patient_id = await _resident(request)
    except _Start:
        return _go(request, "/booking/")
    service = booking_service(booker.repo)
    visit = await run_in_threadpool(visit_page, service, patient_id, appointment_id)
    estimate = await run_in_threadpool(_estimate, service, patient_id, visit.slot,
                                       request.app.state.settings.bhyt_system)  # fmt: skip
    return _page(request, booker, "booking_confirm.html", visit=visit, estimate=estimate,
                 csrf=booker.form_token(f"book:{appointment_id}"))  # fmt: skip


def _estimate(service: Any, patient_id: str, slot: str | None, bhyt_system: str
              ) -> dict[str, Any] | None:  # fmt: skip
    """The BHYT estimate (issue 21 point 4: `BookingService.estimate`, the BHYT helper's,
    `{"insured": bool, "estimate": {insurer_vnd, patient_vnd, rate, basis, label} | None}`)
    when the service offers it; None leaves the page's placeholder. Looked up by name:
    this branch was cut before the estimate reached main."""
    estimate = getattr(service, "estimate", None)
    if estimate is None or not slot:
        return None
    answer: dict[str, Any] = estimate(BookRequest(patient_id, slot_id=slot), bhyt_system)
    return answer


@router.post("/confirm/{appointment_id}")
async def confirm(request: Request, appointment_id: str) -> Response:
    booker, patient_id = await _resident(request)
    form = await read_form(request, max_bytes=1024)
    booker.check_form(request, f"book:{appointment_id}", _one(form, "csrf"))
    request_ = BookRequest(patient_id, appointment_id=appointment_id[:64], channel="web")
    booked = await run_in_threadpool(booking_service(booker.repo).book, request_)
    return _go(request, f"/booking/visits/{booked['id']}?new=1")


# -- my visits: cancel, reschedule --------------------------------------------------------------
@router.get("/visits")
async def visits(request: Request, done: str = "") -> Response:
    try:
        booker, patient_id = await _resident(request)
    except _Start:
        return _go(request, "/booking/")
    service = booking_service(booker.repo)
    _, upcoming = await run_in_threadpool(service_choices, service, patient_id, False)
    return _page(request, booker, "booking_visits.html", visits=upcoming,
                 done=done if done in ("cancelled", "moved") else None)  # fmt: skip


@router.get("/visits/{appointment_id}")
async def visit(request: Request, appointment_id: str, new: str = "", cancel: str = ""
                ) -> Response:  # fmt: skip
    try:
        booker, patient_id = await _resident(request)
    except _Start:
        return _go(request, "/booking/")
    shown = await run_in_threadpool(visit_page, booking_service(booker.repo), patient_id,
                                    appointment_id)  # fmt: skip
    return _page(request, booker, "booking_visit.html", visit=shown, new=new == "1",
                 cancel=cancel == "1",
                 csrf=booker.form_token(f"cancel:{appointment_id}"))  # fmt: skip


@router.post("/visits/{appointment_id}/cancel")
async def cancel(request: Request, appointment_id: str) -> Response:
    booker, _ = await _resident(request)
    form = await read_form(request, max_bytes=2048)
    booker.check_form(request, f"cancel:{appointment_id}", _one(form, "csrf"))
    reason = _one(form, "reason").strip()[:300] or "Người bệnh hủy trên cổng / cancelled online"
    await run_in_threadpool(booking_service(booker.repo).cancel, appointment_id[:64], reason)
    return _go(request, "/booking/visits?done=cancelled")


@router.post("/visits/{appointment_id}/reschedule")
async def reschedule(request: Request, appointment_id: str) -> Response:
    booker, patient_id = await _resident(request)
    form = await read_form(request, max_bytes=1024)
    booker.check_form(request, f"reschedule:{appointment_id}", _one(form, "csrf"))
    try:
        new, _old = await run_in_threadpool(lambda: booking_service(booker.repo).reschedule(
            appointment_id[:64], _one(form, "slot")[:64], channel="web"))  # fmt: skip
    except (Conflict, UnprocessableEntity) as exc:  # nothing changed: choose another time
        return await _options_page(request, booker, patient_id, _one(form, "service")[:64],
                                   appointment_id[:64], problem=exc)  # fmt: skip
    return _go(request, f"/booking/visits/{new['id']}?new=1")
