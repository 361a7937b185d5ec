"""The queue of a room as pages (issue 21 point 3):

- `GET /booking/queue/{location_id}`: the waiting-room display — "Đang gọi số 012" in
  big figures, the next numbers, how many are waiting. Numbers only, public (why:
  `hoso.access.booking_queue`). Its own full-screen page, not the site's layout (a TV has
  nobody to log in or switch language). It refreshes itself: a small script of our own
  (`static/booking-queue.js`) fetches `/api/booking/queue/{location_id}` every 4 s;
  without script, a `<noscript>` meta refresh reloads it every 10 s.
- `GET|POST /booking/queue/{location_id}/counter`: the counter's page for staff of the
  room's facility — check in by queue number or CCCD, call next, done; plain forms
  (no script), each POST CSRF-checked and answered with the page and what happened.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.booking_queue import public_room
from hoso.api.booking_queue_routes import board, room_id
from hoso.api.forms import read_form
from hoso.api.layout import page_policy, render_page
from hoso.api.page_session import PageCallerDep, refuse_cross_site
from hoso.assembly import booking_queue
from hoso.booking.queue import QueueService, Ticket
from hoso.core.errors import Conflict, Forbidden, InvalidRequest, ResourceNotFound

__all__ = ["router"]

router = APIRouter()
SCRIPT_POLICY = "; script-src 'self'; connect-src 'self'"
POLL_SECONDS = 4


@router.get("/booking/queue/{location_id}", include_in_schema=False)
def display_page(request: Request, location_id: str) -> HTMLResponse:
    """Màn hình số thứ tự / The room's queue display."""
    room = public_room(request.app.state.store, room_id(location_id))
    page = render_page(request, "booking_queue_display.html",
                       board=board(request, location_id, room),
                       room_name=room.name or location_id, poll=POLL_SECONDS)  # fmt: skip
    # A script of our own only, and fetch to us only: the board without a flashing reload.
    page.headers["Content-Security-Policy"] = page_policy() + SCRIPT_POLICY
    return page


def _purpose(room: str) -> str:
    return f"queue-counter:{room}"


def _counter(request: Request, caller: Any, room: str, *, message: str | None = None,
             problem: str | None = None, status: int = 200) -> HTMLResponse:  # fmt: skip
    sign = public_room(request.app.state.store, room)
    return render_page(request, "booking_queue_counter.html", lang=caller.lang,
                       who=caller.who(), board=board(request, room, sign), room=room,
                       room_name=sign.name or room,
                       csrf=caller.form_token(_purpose(room)), message=message,
                       problem=problem, status=status)  # fmt: skip


@router.get("/booking/queue/{location_id}/counter", include_in_schema=False)
def counter_page(request: Request, location_id: str, caller: PageCallerDep) -> HTMLResponse:
    """Quầy tiếp đón / The counter."""
    return _counter(request, caller, room_id(location_id))


def _labels(tickets: list[Ticket]) -> str:
    return ", ".join(t.label for t in tickets)


def _act(queue: QueueService, room: str, action: str, fields: dict[str, str]) -> str:
    """Run one counter step; what to tell the person who pressed the button."""
    if action == "call":
        called = queue.call_next(room)
        return (f"Mời số {called.label} / Now calling {called.label}" if called else
                "Không còn ai chờ / Nobody is waiting")  # fmt: skip
    if action == "check-in" and fields.get("cccd"):
        found = queue.check_in_cccd(fields["cccd"], service_point=room)
        return f"Đã tiếp đón số {_labels(found)} / Checked in {_labels(found)}"
    number = fields.get("number", "").strip()
    if not (number.isascii() and number.isdigit() and 0 < len(number) <= 5):
        raise InvalidRequest("Nhập số thứ tự (chữ số) / Type the queue number (digits)",
                             expression=["number"])  # fmt: skip
    if action == "check-in":
        ticket = queue.check_in_number(room, int(number))
        return f"Đã tiếp đón số {ticket.label} / Checked in {ticket.label}"
    if action == "done":
        ticket = queue.finish(room, int(number))
        return f"Số {ticket.label} đã khám xong / {ticket.label} is done"
    raise InvalidRequest("Thao tác không rõ / Unknown action", expression=["action"])


@router.post("/booking/queue/{location_id}/counter", include_in_schema=False)
async def counter_action(request: Request, location_id: str, caller: PageCallerDep
                         ) -> HTMLResponse:  # fmt: skip
    room = room_id(location_id)
    refuse_cross_site(request)
    form = await read_form(request, max_bytes=1024, max_fields=4)
    caller.check_form(request, _purpose(room), (form.get("csrf") or [None])[0])
    fields = {k: v[0] for k, v in form.items() if v and k != "csrf"}
    queue: QueueService = booking_queue(caller.repo)
    try:
        message = await run_in_threadpool(_act, queue, room, fields.get("action", ""), fields)
    except (InvalidRequest, Conflict, ResourceNotFound, Forbidden) as exc:
        problem, status = exc.message, exc.http_status
        return await run_in_threadpool(lambda: _counter(request, caller, room, problem=problem,
                                                        status=status))  # fmt: skip
    return await run_in_threadpool(lambda: _counter(request, caller, room, message=message))
