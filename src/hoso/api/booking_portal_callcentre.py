"""`/booking/call-centre`: the booking call-centre's screen (issue 21 point 5), for the
`call-centre` role and the operator. Few keystrokes: the search box has the focus, Enter
searches by CCCD or phone; one match opens the caller's panel — their upcoming visits
(cancel, reschedule) and a service's options, each booked with one button (the first
nine have access keys 1–9). Every step is the booking service's, through the access
layer's door: the channel is `call-centre` and the audit entry names the resident.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hoso.access import claims as roles
from hoso.access.booking_otp import phone_digits, valid_cccd
from hoso.access.repository import AccessRepository
from hoso.api.booking_portal_visits import day_options, one_day, service_choices, weekday
from hoso.api.forms import read_form
from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep
from hoso.assembly import booking_service
from hoso.booking.service import BookingService, BookRequest
from hoso.core import jsonx
from hoso.core.errors import InvalidRequest

__all__ = ["router"]

router = APIRouter(prefix="/booking/call-centre", include_in_schema=False)
WHAT = "dùng màn hình tổng đài đặt lịch / use the booking call-centre screen"
DONE = {"booked": ("Đã đặt lịch", "Booked"), "cancelled": ("Đã hủy lịch hẹn", "Cancelled"),
        "moved": ("Đã đổi giờ khám", "Rescheduled")}  # fmt: skip


def _service(caller: PageCaller) -> BookingService:
    service: BookingService = booking_service(caller.repo)
    service.door.require_any((roles.CALL_CENTRE,), WHAT)
    return service


def _find_callers(repo: AccessRepository, query: str) -> list[dict[str, Any]]:
    """Patients by CCCD (12 digits) or phone, through the agent's own view (audited)."""
    text = query.strip()
    if valid_cccd(text):
        params = [("identifier", f"{repo.settings.cccd_system}|{text}")]
    elif (phone := phone_digits(text)) is not None:
        params = [("phone", phone)]
    else:
        raise InvalidRequest("Nhập số CCCD (12 chữ số) hoặc số điện thoại / Enter a CCCD "
                             "(12 digits) or a phone number", expression=["q"])  # fmt: skip
    page = repo.search("Patient", [*params, ("_count", "20")])
    return [_person(jsonx.loads(hit.content)) for hit in page.matches]


def _person(patient: dict[str, Any]) -> dict[str, Any]:
    name = (patient.get("name") or [{}])[0]
    full = " ".join([name.get("family") or "", *(name.get("given") or [])]).strip()
    phones = [t.get("value") for t in patient.get("telecom") or [] if t.get("system") == "phone"]
    return {
        "id": patient["id"],
        "name": full or patient["id"],
        "born": patient.get("birthDate"),
        "phone": phones[0] if phones else None,
        "active": patient.get("active") is not False,
    }


@router.get("")
async def screen(request: Request, caller: PageCallerDep, q: str = "") -> Response:
    await run_in_threadpool(_service, caller)  # 403 (audited) for anyone else
    found = await run_in_threadpool(_find_callers, caller.repo, q[:40]) if q.strip() else None
    if found is not None and len(found) == 1:
        return _go(request, f"/booking/call-centre/patients/{found[0]['id']}")
    return render_page(request, "booking_callcentre.html", lang=caller.lang, who=caller.who(),
                       q=q[:40], found=found, person=None)  # fmt: skip


@router.get("/patients/{patient_id}")
async def panel(request: Request, caller: PageCallerDep, patient_id: str, service: str = "",
                moving: str = "", done: str = "", day: str = "") -> HTMLResponse:  # fmt: skip
    def gather() -> dict[str, Any]:
        booking = _service(caller)
        person = _person(jsonx.loads(caller.repo.read("Patient", patient_id[:64]).content))
        services, visits = service_choices(booking, patient_id)
        chosen = service[:64] or (services[0]["code"] if services else "")
        days = day_options(booking, patient_id, chosen, one_day(day, booking.rules)) if chosen \
            else []  # fmt: skip
        return {"person": person, "services": services, "visits": visits, "chosen": chosen,
                "days": days, "one": bool(day)}  # fmt: skip

    shown = await run_in_threadpool(gather)
    return render_page(request, "booking_callcentre.html", lang=caller.lang, who=caller.who(),
                       q="", found=None, moving=moving[:64] or None,
                       done=DONE.get(done), csrf=caller.form_token(f"call-centre:{patient_id}"),
                       weekday=lambda v: weekday(v, caller.lang),
                       **shown)  # fmt: skip


@router.post("/patients/{patient_id}")
async def act(request: Request, caller: PageCallerDep, patient_id: str) -> Response:
    form = await read_form(request, max_bytes=2048)
    caller.check_form(request, f"call-centre:{patient_id}", _one(form, "csrf"))
    action, slot, visit = _one(form, "action"), _one(form, "slot")[:64], _one(form, "visit")[:64]

    def run() -> str:
        booking = _service(caller)
        if action == "book":
            booking.book(BookRequest(patient_id[:64], slot_id=slot, channel="call-centre"))
            return "booked"
        if action == "cancel":
            reason = _one(form, "reason").strip()[:300] or "Hủy qua tổng đài / via the call centre"
            booking.cancel(visit, reason)
            return "cancelled"
        if action == "reschedule":
            booking.reschedule(visit, slot, channel="call-centre")
            return "moved"
        raise InvalidRequest("Thao tác không hợp lệ / Unknown action", expression=["action"])

    done = await run_in_threadpool(run)
    return _go(request, f"/booking/call-centre/patients/{patient_id}?done={done}")


def _go(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(f"{request.scope.get('root_path', '')}{path}", status_code=303)


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]
