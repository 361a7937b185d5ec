"""`/api/booking/…`: booking for the mobile app (issue 21 point 5; docs/booking-portal.md
"API di động"), with the bearer tokens of the rest of `/api`. Thin: every step is the
booking service's (`hoso.booking.service`, through the access layer's door, audited);
errors are OperationOutcome JSON with the Vietnamese message first, a full Slot a 409.

A resident acts for themselves (and the children on their record) without naming the
Patient; a call-centre agent, facility staff and the operator name it (`patient`).
Another resident's Appointment is the same 404 as an absent one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from hoso.access import claims as roles
from hoso.access.repository import AccessRepository
from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.assembly import booking_service
from hoso.booking.find import MAX_COUNT, FindQuery
from hoso.booking.model import local_day_bounds
from hoso.booking.service import BookRequest
from hoso.booking.visits import names_for, option_view, visit_of
from hoso.core import clock
from hoso.core.errors import InvalidRequest

__all__ = ["BookingBody", "RescheduleBody", "router"]

router = APIRouter(prefix="/api/booking", tags=["Đặt lịch khám / Booking"])
MAX_BODY = 4096  # a booking request is a few ids: nothing bigger is ever needed
ID = r"^[A-Za-z0-9\-.]{1,64}$"
WINDOW_DAYS = 31
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/fhir+json": {}}}
    for code, text in ((400, "Yêu cầu sai / Bad request (OperationOutcome)"),
                       (401, "Thiếu mã truy cập / No access token"),
                       (403, "Không được phép / Forbidden"),
                       (404, "Không tìm thấy (hoặc của người khác) / Not found (or not yours)"),
                       (409, "Hết chỗ, trùng lịch / Slot full, duplicate booking"),
                       (413, "Nội dung quá lớn / Body too large"),
                       (422, "Quá sát giờ hoặc quá xa / Too soon or too far ahead"))
}  # fmt: skip


class BookingBody(BaseModel):
    """`POST /api/booking/holds` and `/appointments`: a Slot, or (to book) a hold."""

    model_config = ConfigDict(extra="forbid")
    slot: str | None = Field(None, pattern=ID, description="Slot id từ /options")
    hold: str | None = Field(None, pattern=ID, description="Appointment id của lịch giữ chỗ")
    patient: str | None = Field(None, pattern=ID, description="Patient id (tổng đài, nhân viên)")
    referral: str | None = Field(None, max_length=64, description="Số giấy chuyển tuyến")
    slip: str | None = Field(None, pattern=ID, description="Appointment id của giấy hẹn tái khám")
    overbookReason: str | None = Field(
        None, max_length=500, description="Lý do đặt vượt chỗ (nhân viên cơ sở của khung giờ)"
    )


class RescheduleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slot: str = Field(..., pattern=ID, description="Slot id mới / the new Slot")


def _patient(repo: AccessRepository, asked: str | None) -> str:
    """The Patient the caller books for: a resident's own unless they name a child."""
    own = repo.principal.claims.patient if repo.principal.role == roles.RESIDENT else None
    if asked or own:
        return str(asked or own)
    raise InvalidRequest("Cần chỉ rõ người bệnh (patient) / Name the patient (patient)",
                         expression=["patient"])  # fmt: skip


def _window(start: str | None, end: str | None) -> tuple[int, int]:
    """`from`/`to` as local days (YYYY-MM-DD, `to` included) or instants with an offset."""

    def instant(name: str, text: str, end_of_day: bool) -> int:
        try:
            if len(text) == 10:
                first, last = local_day_bounds(date.fromisoformat(text))
                return last if end_of_day else first
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                return int(moment.timestamp() * 1_000_000)
        except ValueError:
            pass
        raise InvalidRequest(f"Tham số {name} phải là ngày (2026-12-08) hoặc thời điểm có múi "
                             f"giờ / {name} must be a date or an instant with an offset",
                             expression=[name])  # fmt: skip

    now = clock.now_us()
    first = instant("from", start[:40], False) if start else now
    last = instant("to", end[:40], True) if end else first + 7 * 86_400_000_000
    if not first < last <= first + WINDOW_DAYS * 86_400_000_000:
        raise InvalidRequest(f"Khoảng from–to phải dương và tối đa {WINDOW_DAYS} ngày / the "
                             f"from–to window must be positive and at most {WINDOW_DAYS} days",
                             expression=["to"])  # fmt: skip
    return first, last


@router.get("/options", summary="Tìm giờ khám còn chỗ / Find open slots",
            responses=ERRORS)  # fmt: skip
async def options(
    repo: RepoDep,
    service: Annotated[str | None, Query(max_length=64, description="mã dịch vụ: kham-noi")] = None,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    facility: Annotated[str | None, Query(max_length=16, description="mã cơ sở KCB")] = None,
    patient: Annotated[str | None, Query(pattern=ID)] = None,
    count: Annotated[int, Query(ge=1, le=MAX_COUNT)] = 10,
) -> dict[str, Any]:  # fmt: skip
    """The best options first (`$find`'s ranking: waiting time and distance from home)."""
    first, last = _window(start, end)
    own = patient or (repo.principal.claims.patient
                      if repo.principal.role == roles.RESIDENT else None)  # fmt: skip

    def run() -> dict[str, Any]:
        service_ = booking_service(repo)
        found = service_.find(FindQuery(first, last, service_types=(service,) if service else (),
                                        facilities=(facility,) if facility else (),
                                        patient_id=own, count=count))  # fmt: skip
        names = names_for(service_.door, repo.settings.facility_system, options=found)
        return {"options": [option_view(o, names) for o in found]}

    return await run_in_threadpool(run)


async def _body(request: Request, model: type[BaseModel]) -> Any:
    data = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY)
    if not isinstance(data, dict):
        raise InvalidRequest("Nội dung phải là một đối tượng JSON / The body must be a JSON "
                             "object", expression=["$"])  # fmt: skip
    try:
        return model.model_validate(data)
    except ValueError as exc:  # pydantic's ValidationError: field names, never values
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})  # type: ignore[attr-defined]
        raise InvalidRequest(f"Trường không hợp lệ: {', '.join(fields)} / Invalid fields: "
                             f"{', '.join(fields)}", expression=fields) from None  # fmt: skip


def _visit_json(repo: AccessRepository, service: Any, appointment: dict[str, Any]
                ) -> dict[str, Any]:  # fmt: skip
    names = names_for(service.door, repo.settings.facility_system, [appointment])
    return {"visit": visit_of(appointment, names).as_json(), "appointment": appointment}


@router.post(
    "/holds",
    status_code=201,
    responses=ERRORS,
    summary="Giữ chỗ 10 phút / Hold a slot",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": BookingBody.model_json_schema()}}
        }
    },
)
async def hold(request: Request, repo: RepoDep) -> JSONResponse:  # fmt: skip
    body: BookingBody = await _body(request, BookingBody)

    def run() -> dict[str, Any]:
        service = booking_service(repo)
        held = service.hold(BookRequest(_patient(repo, body.patient), slot_id=body.slot,
                                        channel="app"))  # fmt: skip
        return _visit_json(repo, service, held)

    return JSONResponse(await run_in_threadpool(run), status_code=201)


@router.post("/appointments", status_code=201, responses=ERRORS,
             summary="Đặt lịch (từ chỗ giữ hoặc khung giờ) / Book a hold or a slot",
             openapi_extra={"requestBody": {"content": {"application/json": {
                 "schema": BookingBody.model_json_schema()}}}})  # fmt: skip
async def book(request: Request, repo: RepoDep) -> JSONResponse:
    body: BookingBody = await _body(request, BookingBody)
    if bool(body.slot) == bool(body.hold):
        raise InvalidRequest("Cần đúng một trong slot hoặc hold / Give exactly one of slot or "
                             "hold", expression=["slot", "hold"])  # fmt: skip

    def run() -> dict[str, Any]:
        service = booking_service(repo)
        booked = service.book(BookRequest(
            _patient(repo, body.patient), slot_id=body.slot, appointment_id=body.hold,
            channel="app", referral=body.referral, slip=body.slip,
            overbook_reason=body.overbookReason))  # fmt: skip
        return _visit_json(repo, service, booked)

    return JSONResponse(await run_in_threadpool(run), status_code=201)


@router.get("/appointments", responses=ERRORS,
            summary="Lịch hẹn sắp tới của tôi / My upcoming visits")  # fmt: skip
async def mine(repo: RepoDep, patient: Annotated[str | None, Query(pattern=ID)] = None
               ) -> dict[str, Any]:  # fmt: skip
    def run() -> dict[str, Any]:
        service = booking_service(repo)
        found = service.upcoming(_patient(repo, patient))
        names = names_for(service.door, repo.settings.facility_system, found)
        return {"visits": [visit_of(a, names).as_json() for a in found]}

    return await run_in_threadpool(run)


@router.delete("/appointments/{appointment_id}", responses=ERRORS,
               summary="Hủy lịch hẹn / Cancel a visit")  # fmt: skip
async def cancel(repo: RepoDep, appointment_id: str,
                 reason: Annotated[str, Query(max_length=500)] = "") -> dict[str, Any]:  # fmt: skip
    _check_id(appointment_id)

    def run() -> dict[str, Any]:
        service = booking_service(repo)
        return _visit_json(repo, service, service.cancel(appointment_id, reason))

    return await run_in_threadpool(run)


@router.post(
    "/appointments/{appointment_id}/reschedule",
    responses=ERRORS,
    summary="Đổi giờ khám / Reschedule",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": RescheduleBody.model_json_schema()}}
        }
    },
)
async def reschedule(request: Request, repo: RepoDep, appointment_id: str) -> dict[str, Any]:
    _check_id(appointment_id)
    body: RescheduleBody = await _body(request, RescheduleBody)

    def run() -> dict[str, Any]:
        service = booking_service(repo)
        new, old = service.reschedule(appointment_id, body.slot, channel="app")
        return {**_visit_json(repo, service, new), "previous": old["id"]}

    return await run_in_threadpool(run)


def _check_id(appointment_id: str) -> None:
    if not 0 < len(appointment_id) <= 64 or not all(c.isascii() and (c.isalnum() or c in "-.")
                                                    for c in appointment_id):  # fmt: skip
        raise InvalidRequest("Mã lịch hẹn không hợp lệ / Invalid appointment id",
                             expression=["id"])  # fmt: skip
