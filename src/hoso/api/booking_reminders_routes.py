"""`/api/booking/waitlist` and `/api/booking/messages` (issue 21 point 5): the waitlist
and a resident's messages as JSON for the mobile apps, the portal and the call centre.
Thin: who may do what is decided and audited by `hoso.access.booking`, the rules are
`hoso.booking.waitlist`'s (docs/booking-reminders.md).

- `POST /api/booking/waitlist` `{patient, serviceType, from, to, facility?, phone?}`
  (days ISO `YYYY-MM-DD`): 201 and the entry;
- `GET /api/booking/waitlist?patient=ID` (without `patient`: everyone's, call centre);
- `DELETE /api/booking/waitlist/{id}?patient=ID`: 204, or 404 when not waiting;
- `GET /api/booking/messages?patient=ID`: the resident's messages, newest first.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hoso.access.booking import BookingAccess
from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.booking.model import iso_instant
from hoso.booking.outbox import messages_for
from hoso.booking.waitlist import Waitlist, WaitRequest
from hoso.core import jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound

__all__ = ["router"]

router = APIRouter(prefix="/api/booking")
NO_STORE = {"Cache-Control": "no-store"}
STATES = ("waiting", "offered", "booked", "expired", "withdrawn")


def _json(data: Any, status: int = 200) -> Response:
    return Response(jsonx.dumps(data), status_code=status, media_type="application/json",
                    headers=NO_STORE)  # fmt: skip


def _entry(row: Any) -> dict[str, Any]:
    return {"id": row.id, "patient": row.patient_id, "serviceType": row.service_type,
            "facility": row.facility, "from": row.from_day, "to": row.to_day,
            "state": row.state, "offeredAppointment": row.offered_appointment_id,
            "offerExpires": iso_instant(row.offer_expires_us) if row.offer_expires_us
            else None}  # fmt: skip


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise InvalidRequest(f"{name}: cần một chuỗi / a string is required", expression=[name])
    return value.strip()


def _day(body: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(_text(body, name) or "")
    except ValueError:
        raise InvalidRequest(f"{name}: YYYY-MM-DD", expression=[name]) from None


def wait_request(body: Any) -> WaitRequest:
    """The JSON body as a `WaitRequest` (400 naming the field that is wrong)."""
    if not isinstance(body, dict):
        raise InvalidRequest("Cần một đối tượng JSON / a JSON object is required")
    return WaitRequest(_text(body, "patient") or "", _text(body, "serviceType") or "",
                       _day(body, "from"), _day(body, "to"),
                       _text(body, "facility", required=False),
                       _text(body, "phone", required=False))  # fmt: skip


@router.post("/waitlist")
async def join_waitlist(request: Request, repo: RepoDep) -> Response:
    body = await read_json(request, request.app.state.settings, max_bytes=4096)
    entry = await run_in_threadpool(Waitlist(BookingAccess(repo)).join, wait_request(body))
    return _json(_entry(entry), 201)


@router.get("/waitlist")
def list_waitlist(request: Request, repo: RepoDep) -> Response:
    patient = request.query_params.get("patient") or None
    states = tuple(s for s in request.query_params.getlist("state") if s in STATES)
    found = Waitlist(BookingAccess(repo)).entries(patient, states=states)
    return _json({"entries": [_entry(e) for e in found]})


def _patient(request: Request) -> str:
    patient = request.query_params.get("patient") or ""
    if not patient or len(patient) > 64:
        raise InvalidRequest("Cần ?patient= / ?patient= is required", expression=["patient"])
    return patient


@router.delete("/waitlist/{entry_id}")
def withdraw(entry_id: int, request: Request, repo: RepoDep) -> Response:
    patient = _patient(request)
    if not Waitlist(BookingAccess(repo)).withdraw(patient, entry_id):
        raise ResourceNotFound(f"Không có mục chờ {entry_id} / no waiting entry {entry_id}")
    return Response(status_code=204, headers=NO_STORE)


def _message(row: Any) -> dict[str, Any]:
    # A one-time code proves that the phone is at hand: it is not shown again here.
    body = "••••••" if row.kind == "otp" else row.body
    return {"id": row.id, "kind": row.kind, "recipient": row.recipient, "body": body,
            "appointment": row.appointment_id, "status": row.status,
            "due": iso_instant(row.due_us),
            "sent": iso_instant(row.sent_us) if row.sent_us else None}  # fmt: skip


@router.get("/messages")
def messages(request: Request, repo: RepoDep) -> Response:
    rows = messages_for(BookingAccess(repo), _patient(request))
    return _json({"messages": [_message(r) for r in rows]})
