"""The booking waitlist (issue 21 point 5): a resident who found no seat asks for one of
a service, at one facility or any, on a day in a range; a freed seat is then offered
to the first of them in the order they joined (`hoso.booking.waitlist_offers`).

A resident joins for themselves (and the children on their record), a call-centre
agent for any caller, through the booking door (`hoso.access.booking`), audited. The
phone the offer goes to is the one given, else the Patient's. HOUSE: one live entry
per resident and service; a range of at most `horizon_days` (the booking horizon).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from hoso.booking.messages import phone_of
from hoso.booking.model import day_of
from hoso.core import clock
from hoso.core.errors import Conflict, InvalidRequest, ResourceNotFound, UnprocessableEntity

__all__ = ["WaitRequest", "Waitlist"]

LIVE = ("waiting", "offered")
_FACILITY = re.compile(r"[0-9A-Za-z]{1,16}")  # mã cơ sở KCB (bk_slot.facility)


def _check_id(patient_id: str) -> None:
    if not patient_id or len(patient_id) > 64:
        raise InvalidRequest("Cần mã người bệnh (Patient id) / A Patient id is required",
                             expression=["patient"])  # fmt: skip


class Door(Protocol):
    """`hoso.access.booking.BookingAccess`, as the waitlist uses it."""

    def require_patient(self, patient_id: str) -> None: ...
    def require_reader(self, patient_id: str) -> None: ...
    def require_any(self, allowed: tuple[str, ...], what: str) -> None: ...
    def transaction(self, operation: str, entity: str) -> AbstractContextManager[Any]: ...


@dataclass(frozen=True, slots=True)
class WaitRequest:
    patient_id: str
    service_type: str  # the catalogue code (`kham-noi`)
    from_day: date
    to_day: date
    facility: str | None = None  # mã cơ sở KCB; None: any facility
    phone: str | None = None  # None: the Patient's


class Waitlist:
    def __init__(self, door: Door, *, now: Callable[[], int] = clock.now_us,
                 horizon_days: int = 30) -> None:  # fmt: skip
        self.door, self.now, self.horizon_days = door, now, horizon_days

    def join(self, request: WaitRequest) -> Any:
        """Put the resident on the list; the entry (`WaitlistRow`)."""
        _check_id(request.patient_id)
        self.door.require_patient(request.patient_id)
        self._check_days(request)
        if not request.service_type.strip() or len(request.service_type) > 64:
            raise InvalidRequest("Cần mã dịch vụ / A service type is required",
                                 expression=["service-type"])  # fmt: skip
        if request.facility is not None and not _FACILITY.fullmatch(request.facility):
            raise InvalidRequest("Mã cơ sở KCB không hợp lệ / invalid facility code",
                                 expression=["facility"])  # fmt: skip
        with self.door.transaction("waitlist-join", f"Patient/{request.patient_id}") as tx:
            patient = tx.read("Patient", request.patient_id)
            if patient is None or patient.get("active") is False:
                raise ResourceNotFound(f"Không tìm thấy Patient/{request.patient_id[:64]} / "
                                       f"Patient/{request.patient_id[:64]} not found")  # fmt: skip
            phone = (request.phone or "").strip() or phone_of(patient)
            if not phone or len(phone) > 32:
                raise UnprocessableEntity("Cần số điện thoại để báo khi có chỗ / A phone "
                                          "number is needed to offer a seat",
                                          expression=["phone"])  # fmt: skip
            tx.lock_patient(request.patient_id)  # one live entry per service, counted under it
            live = tx.tables.waitlist_entries(patient_id=request.patient_id, states=LIVE)
            if any(e.service_type == request.service_type for e in live):
                raise Conflict("Người này đã có trong danh sách chờ dịch vụ này / This person "
                               "is already waiting for this service",
                               expression=[f"Patient/{request.patient_id}"])  # fmt: skip
            entry_id = tx.tables.join_waitlist(
                patient_id=request.patient_id, service_type=request.service_type,
                facility=request.facility, from_day=request.from_day.isoformat(),
                to_day=request.to_day.isoformat(), phone=phone, now_us=self.now())  # fmt: skip
            tx.audit("waitlist-join", patients=(request.patient_id,),
                     entities=(f"Patient/{request.patient_id}", f"waitlist:{entry_id}"),
                     description=f"chờ {request.service_type} {request.from_day.isoformat()}"
                                 f"…{request.to_day.isoformat()} tại "
                                 f"{request.facility or 'mọi cơ sở / any'}")  # fmt: skip
            entries = tx.tables.waitlist_entries(patient_id=request.patient_id, states=LIVE)
        return next(e for e in entries if e.id == entry_id)

    def entries(self, patient_id: str | None = None, *, states: tuple[str, ...] = ()
                ) -> list[Any]:  # fmt: skip
        """One resident's entries, or (a call-centre agent, the operator) everyone's."""
        if patient_id is None:
            self.door.require_any(("call-centre",), "xem danh sách chờ / read the waitlist")
        else:
            _check_id(patient_id)
            self.door.require_reader(patient_id)
        entity = f"Patient/{patient_id}" if patient_id else "booking:waitlist"
        with self.door.transaction("waitlist-list", entity) as tx:
            found = tx.tables.waitlist_entries(patient_id=patient_id, states=states)
            tx.audit("waitlist-list", patients=tuple(sorted({e.patient_id for e in found})),
                     entities=(entity,), description=f"{len(found)} mục / entries")  # fmt: skip
        return list(found)

    def withdraw(self, patient_id: str, entry_id: int) -> bool:
        """Take a waiting entry of the resident off the list; whether it was waiting."""
        _check_id(patient_id)
        self.door.require_reader(patient_id)
        if not 0 < entry_id < 2**31:  # the column's range: anything else waits nowhere
            return False
        with self.door.transaction("waitlist-withdraw", f"waitlist:{entry_id}") as tx:
            own = [e for e in tx.tables.waitlist_entries(patient_id=patient_id, states=LIVE)
                   if e.id == entry_id]  # fmt: skip
            done = bool(own) and tx.tables.set_waitlist_state(entry_id, "withdrawn",
                                                              expect=("waiting",))  # fmt: skip
            if done:
                tx.audit(
                    "waitlist-withdraw",
                    patients=(patient_id,),
                    entities=(f"waitlist:{entry_id}",),
                    description="rút khỏi danh sách",
                )
        return done

    def _check_days(self, request: WaitRequest) -> None:
        today = date.fromisoformat(day_of(self.now()))
        if request.from_day > request.to_day or request.to_day < today:
            raise InvalidRequest("Khoảng ngày không hợp lệ (từ ngày ≤ đến ngày, chưa qua) / The "
                                 "days must run forwards and not be past",
                                 expression=["from", "to"])  # fmt: skip
        if request.to_day > today + timedelta(days=self.horizon_days):
            raise UnprocessableEntity(f"Chỉ chờ trong {self.horizon_days} ngày tới / The list "
                                      f"reaches {self.horizon_days} days ahead",
                                      expression=["to"])  # fmt: skip
