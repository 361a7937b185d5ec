"""The queue at a room over HTTP (issue 21 point 3; docs/booking-queue.md):

- `GET /api/booking/queue/{location_id}`: the room's board today — the number being
  called, the next numbers in calling order, how many are waiting. Public and numbers
  only (`hoso.access.booking_queue` says why); the display page polls it.
- `POST /api/booking/queue/{location_id}/walk-in` (`{"patient": id}` optional),
  `…/check-in` (`{"number": n}` | `{"cccd": "…"}` | `{"appointment": id}`),
  `…/call-next`, `…/done` (`{"number": n}`): the counter's steps, staff of the room's
  facility (a kiosk: the facility's system token) and the operator; each audited.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.booking_queue import PublicRoom, public_queue, public_room
from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.assembly import booking_queue
from hoso.booking.calling import QueueBoard, QueueRules, board_of, rules_for_room
from hoso.booking.model import day_of
from hoso.booking.queue import QueueService
from hoso.core import clock
from hoso.core.errors import InvalidRequest

__all__ = ["board", "room_id", "router"]

router = APIRouter()
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # a FHIR id (R4 "id" datatype)
NO_STORE = {"Cache-Control": "no-store"}
MAX_BODY = 4096


def room_id(location_id: str) -> str:
    if not _ID.fullmatch(location_id):
        raise InvalidRequest("Mã phòng không hợp lệ / Invalid room (Location) id",
                             expression=["location_id"])  # fmt: skip
    return location_id


def board(request: Request, location_id: str, room: PublicRoom | None = None) -> QueueBoard:
    """Today's board of the room (numbers only, in the room's calling order), for the
    page and the API alike."""
    day, store = day_of(clock.now_us()), request.app.state.store
    room = room or public_room(store, room_id(location_id))
    tickets = public_queue(store, location_id, day)
    return board_of(location_id, day, tickets, rules_for_room(room.extensions, QueueRules()))


@router.get("/api/booking/queue/{location_id}")
def queue_board(request: Request, location_id: str) -> JSONResponse:
    """Bảng số thứ tự của phòng / The room's queue board (public, numbers only)."""
    return JSONResponse(board(request, location_id).to_json(), headers=NO_STORE)


async def _body(request: Request) -> dict[str, Any]:
    if not await request.body():
        return {}
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY)
    if not isinstance(body, dict):
        raise InvalidRequest("Cần một đối tượng JSON / A JSON object is required")
    return body


def _number(body: dict[str, Any]) -> int:
    number = body.get("number")
    if type(number) is not int or not 0 < number < 100_000:
        raise InvalidRequest("Số thứ tự là số nguyên dương / The number is a positive integer",
                             expression=["number"])  # fmt: skip
    return number


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and (not isinstance(value, str) or not _ID.fullmatch(value)):
        raise InvalidRequest(f"Giá trị '{key}' không hợp lệ / Invalid '{key}'", expression=[key])
    return value


@router.post("/api/booking/queue/{location_id}/walk-in")
async def walk_in(request: Request, location_id: str, repo: RepoDep) -> JSONResponse:
    """Cấp số vãng lai / Give a walk-in number."""
    body, room = await _body(request), room_id(location_id)
    queue: QueueService = booking_queue(repo)
    ticket = await run_in_threadpool(queue.walk_in, room, _text(body, "patient"))
    return JSONResponse(ticket.to_json(), status_code=201)


@router.post("/api/booking/queue/{location_id}/check-in")
async def check_in(request: Request, location_id: str, repo: RepoDep) -> JSONResponse:
    """Tiếp đón theo số, CCCD hoặc mã lịch hẹn / Check in by number, CCCD or appointment."""
    body, room = await _body(request), room_id(location_id)
    queue: QueueService = booking_queue(repo)
    if "cccd" in body:
        cccd = body["cccd"] if isinstance(body["cccd"], str) else ""
        found = await run_in_threadpool(lambda: queue.check_in_cccd(cccd, service_point=room))
        return JSONResponse({"checkedIn": [t.to_json() for t in found]})
    if "appointment" in body:
        appointment = _text(body, "appointment") or ""
        ticket = await run_in_threadpool(queue.check_in_appointment, appointment)
    else:
        ticket = await run_in_threadpool(queue.check_in_number, room, _number(body))
    return JSONResponse({"checkedIn": [ticket.to_json()]})


@router.post("/api/booking/queue/{location_id}/call-next")
async def call_next(location_id: str, repo: RepoDep) -> JSONResponse:
    """Gọi số tiếp theo / Call the next number (`called` null when nobody waits)."""
    queue: QueueService = booking_queue(repo)
    ticket = await run_in_threadpool(queue.call_next, room_id(location_id))
    return JSONResponse({"called": ticket.to_json() if ticket else None})


@router.post("/api/booking/queue/{location_id}/done")
async def done(request: Request, location_id: str, repo: RepoDep) -> JSONResponse:
    """Kết thúc lượt khám / The visit is done (Appointment fulfilled)."""
    body, room = await _body(request), room_id(location_id)
    queue: QueueService = booking_queue(repo)
    ticket = await run_in_threadpool(queue.finish, room, _number(body))
    return JSONResponse(ticket.to_json())
