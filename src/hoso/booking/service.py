"""The booking service every channel calls (issue 21 points 1–2): `$find`, `$hold`,
`$book`, `$cancel` and reschedule, on top of the access layer's door.

Each step is ONE transaction of the door (`BookingDoor.transaction`): the seat is taken
by the database (`session.booking.claim`, see `hoso.store.booking_seats`), the
Appointment written, the queue number given, the audit entry appended — or nothing is.
Rules (docs/booking.md "Quy tắc"): a booking starts at least `lead_minutes` from now and
at most `horizon_days` ahead; a resident has at most `max_active` live bookings and one
per service and day; a hold lasts `hold_minutes`. Staff at the counter are not held to
the lead time (a walk-in books the next slot).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from hoso.booking.appointment import appointment_resource, booked, cancelled
from hoso.booking.find import Distance, FindQuery, rank_options
from hoso.booking.model import Option, iso_instant
from hoso.core import clock
from hoso.core.errors import Conflict, InvalidRequest, ResourceNotFound, UnprocessableEntity

__all__ = ["BookRequest", "BookingRules", "BookingService"]

_MINUTE, _DAY = 60_000_000, 86_400_000_000
SLIP_USED = ("Giấy hẹn khám lại này đã được dùng để đặt lịch / This re-examination slip "
             "has already been used")


@dataclass(frozen=True, slots=True)
class BookingRules:
    lead_minutes: int = 30  # HOUSE: the counter needs the list half an hour ahead
    horizon_days: int = 30  # HOUSE: hospitals publish about a month of sessions
    max_active: int = 3  # HOUSE: live bookings per resident
    hold_minutes: int = 10  # the issue's default
    noshow_grace_minutes: int = 30  # HOUSE: after the slot's start


@dataclass(frozen=True, slots=True)
class BookRequest:
    patient_id: str
    slot_id: str | None = None
    appointment_id: str | None = None  # a held Appointment to book
    channel: str | None = None
    referral: str | None = None  # ServiceRequest id (XML13) or its number
    slip: str | None = None  # Appointment id of a re-examination slip (XML14)
    overbook_reason: str | None = None


class Tx(Protocol):
    """`hoso.access.booking.BookingTx`."""

    @property
    def tables(self) -> Any: ...
    def read(self, resource_type: str, id: str) -> dict[str, Any] | None: ...
    def search(self, resource_type: str, params: list[tuple[str, str]]) -> list[dict[str, Any]]: ...
    def create(self, resource: dict[str, Any], id: str) -> dict[str, Any]: ...
    def update(self, resource: dict[str, Any]) -> dict[str, Any]: ...
    def lock_patient(self, patient_id: str) -> None: ...
    def audit(self, operation: str, *, patients: tuple[str, ...], entities: tuple[str, ...],
              description: str) -> None: ...  # fmt: skip
    def require_staff(self, facility: str, what: str) -> None: ...


class BookingDoor(Protocol):
    """`hoso.access.booking.BookingAccess`."""

    @property
    def role(self) -> str: ...
    @property
    def agent(self) -> str: ...
    def channel(self, asked: str | None) -> str: ...
    def require_patient(self, patient_id: str) -> None: ...
    def require_reader(self, patient_id: str) -> None: ...
    @property
    def facility_scope(self) -> str | None: ...
    def require_any(self, allowed: tuple[str, ...], what: str) -> None: ...
    def transaction(self, operation: str, entity: str) -> AbstractContextManager[Tx]: ...
    def reading(self) -> AbstractContextManager[Tx]: ...
    def read_patient(self, patient_id: str) -> dict[str, Any]: ...


# The BHYT checks a booking runs (hoso.booking.eligibility): raise to refuse.
Eligibility = Callable[[Tx, dict[str, Any], Any, BookRequest, int], None]
WardOf = Callable[[dict[str, Any]], str | None]


def _conflict(message: str, entity: str) -> Conflict:
    return Conflict(message, expression=[entity])


class BookingService:
    def __init__(self, door: BookingDoor, rules: BookingRules | None = None, *,
                 now: Callable[[], int] = clock.now_us, distance: Distance | None = None,
                 ward_of: WardOf | None = None, eligibility: Eligibility | None = None
                 ) -> None:  # fmt: skip
        self.door, self.rules, self.now = door, rules or BookingRules(), now
        self.distance, self.ward_of, self.eligibility = distance, ward_of, eligibility

    # -- $find ----------------------------------------------------------------------------
    def find(self, query: FindQuery) -> list[Option]:
        now = self.now()
        home = None
        if query.patient_id is not None:
            self.door.require_patient(query.patient_id)
            patient = self.door.read_patient(query.patient_id)
            home = self.ward_of(patient) if self.ward_of else None
        start = max(query.start_us, now + self.rules.lead_minutes * _MINUTE)
        end = min(query.end_us, now + self.rules.horizon_days * _DAY)
        if start >= end:
            return []
        with self.door.reading() as tx:
            found = tx.tables.available(start_us=start, end_us=end, now_us=now,
                                        service_types=query.service_types,
                                        facilities=query.facilities,
                                        service_points=query.service_points)  # fmt: skip
        options = [Option(s.slot_id, s.schedule_id, s.facility, s.service, s.service_type,
                          s.service_point, s.ward, s.start_us, s.end_us, free,
                          self.distance(home, s.ward) if self.distance and home else None)
                   for s, free in found]  # fmt: skip
        return rank_options(options, now, query.count)

    # -- $hold ----------------------------------------------------------------------------
    def hold(self, request: BookRequest) -> dict[str, Any]:
        """A tentative Appointment (status pending) holding one seat until it expires."""
        if not request.slot_id:
            raise InvalidRequest("Cần chọn một khung giờ (Slot) / A Slot is required",
                                 expression=["appointment-resource"])  # fmt: skip
        self.door.require_patient(request.patient_id)
        now = self.now()
        until = now + self.rules.hold_minutes * _MINUTE
        with self.door.transaction("hold", f"Slot/{request.slot_id}") as tx:
            slot = self._slot(tx, request.slot_id, now)
            self._check_patient(tx, request, slot, now, replacing=())
            appointment_id = str(uuid.uuid4())
            seat = tx.tables.claim(slot.slot_id, appointment_id, request.patient_id, now, until)
            if seat is None:
                raise self._full(slot)
            resource = appointment_resource(
                appointment_id=appointment_id, slot=slot, patient_id=request.patient_id,
                channel=self.door.channel(request.channel), agent=self.door.agent,
                status="pending", created=iso_instant(now), hold_expires_us=until)  # fmt: skip
            stored = tx.create(resource, appointment_id)
            tx.audit("hold", patients=(request.patient_id,),
                     entities=(f"Appointment/{appointment_id}", f"Slot/{slot.slot_id}"),
                     description=f"giữ chỗ đến {iso_instant(until)}")  # fmt: skip
        return stored

    # -- $book ----------------------------------------------------------------------------
    def book(self, request: BookRequest) -> dict[str, Any]:
        """Book a held Appointment (`appointment_id`) or a Slot directly; a 409 when the
        Slot was taken. Staff of the Slot's facility may overbook with a reason."""
        self.door.require_patient(request.patient_id)
        now = self.now()
        entity = f"Appointment/{request.appointment_id}" if request.appointment_id else \
            f"Slot/{request.slot_id}"  # fmt: skip
        with self.door.transaction("book", entity) as tx:
            held = self._held(tx, request) if request.appointment_id else None
            slot_id = held["slot"][0]["reference"].split("/", 1)[1] if held else request.slot_id
            if not slot_id:
                raise InvalidRequest("Cần chọn một khung giờ (Slot) / A Slot is required",
                                     expression=["appointment-resource"])  # fmt: skip
            slot = self._slot(tx, slot_id, now)
            replacing = (request.appointment_id,) if held else ()
            self._check_patient(tx, request, slot, now, replacing=replacing)
            stored = self._take(tx, request, slot, now, held)
        return stored

    def _take(self, tx: Tx, request: BookRequest, slot: Any, now: int,
              held: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
        appointment_id = held["id"] if held else str(uuid.uuid4())
        seated = held is not None and tx.tables.confirm_hold(appointment_id, now)
        overbooked = False
        if not seated:
            if held is not None:
                tx.tables.release(appointment_id, now)  # its hold expired: try again
            seated = tx.tables.claim(slot.slot_id, appointment_id, request.patient_id, now) \
                is not None  # fmt: skip
        if not seated and request.overbook_reason:
            tx.require_staff(slot.facility, "đặt vượt chỗ / overbook")
            if len(request.overbook_reason.strip()) < 10:
                raise InvalidRequest("Đặt vượt chỗ cần lý do (ít nhất 10 ký tự) / Overbooking "
                                     "needs a reason of 10 characters or more",
                                     expression=["reason"])  # fmt: skip
            tx.tables.overbook(slot.slot_id, appointment_id, request.patient_id, now)
            seated = overbooked = True
        if not seated:
            raise self._full(slot)
        if request.slip:
            self._use_slip(tx, request.slip, appointment_id, now)
        number = tx.tables.issue_ticket(
            service_point=slot.service_point, day=slot.day, kind="booked",
            facility=slot.facility, now_us=now, appointment_id=appointment_id,
            patient_id=request.patient_id, start_us=slot.start_us)  # fmt: skip
        base = held or appointment_resource(
            appointment_id=appointment_id, slot=slot, patient_id=request.patient_id,
            channel=self.door.channel(request.channel), agent=self.door.agent, status="booked",
            created=iso_instant(now), referral=request.referral, slip=request.slip)  # fmt: skip
        resource = booked(base, number, request.overbook_reason if overbooked else None)
        stored = tx.update(resource) if held else tx.create(resource, appointment_id)
        what = f"số thứ tự {number}, kênh {self.door.channel(request.channel)}"
        if overbooked and request.overbook_reason:
            what += f", vượt chỗ: {request.overbook_reason.strip()[:300]}"
        tx.audit("book", patients=(request.patient_id,),
                 entities=(f"Appointment/{appointment_id}", f"Slot/{slot.slot_id}"),
                 description=what)  # fmt: skip
        return stored

    # -- $cancel and reschedule -----------------------------------------------------------
    def cancel(self, appointment_id: str, reason: str) -> dict[str, Any]:
        now = self.now()
        with self.door.transaction("cancel", f"Appointment/{appointment_id}") as tx:
            current = self._own_appointment(tx, appointment_id)
            stored = self._cancel_in(tx, current, reason, now)
        return stored

    def reschedule(self, appointment_id: str, slot_id: str, *, channel: str | None = None
                   ) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
        """Book `slot_id` and cancel `appointment_id` in one transaction: (new, old). When
        the new Slot is full nothing changes."""
        now = self.now()
        with self.door.transaction("reschedule", f"Appointment/{appointment_id}") as tx:
            current = self._own_appointment(tx, appointment_id)
            patient_id = _patient_of(current)
            old = self._cancel_in(tx, current, "Đổi lịch / rescheduled", now)
            request = BookRequest(patient_id, slot_id=slot_id, channel=channel)
            slot = self._slot(tx, slot_id, now)
            self._check_patient(tx, request, slot, now, replacing=(appointment_id,))
            new = self._take(tx, request, slot, now, None)
        return new, old

    def _cancel_in(self, tx: Tx, current: dict[str, Any], reason: str, now: int
                   ) -> dict[str, Any]:  # fmt: skip
        if current.get("status") not in ("booked", "pending"):
            raise _conflict(f"Lịch hẹn đang ở trạng thái {current.get('status')}, không thể "
                            f"hủy / The appointment is {current.get('status')}; it cannot be "
                            "cancelled", f"Appointment/{current['id']}")  # fmt: skip
        tx.tables.release(current["id"], now)
        ticket = tx.tables.ticket_of(current["id"])
        if ticket is not None:
            tx.tables.set_ticket_state(ticket.service_point, ticket.day, ticket.number,
                                       "cancelled", now)  # fmt: skip
        tx.tables.free_slip(current["id"])
        text = (reason or "").strip()[:500] or "Người bệnh hủy / cancelled by the patient"
        stored = tx.update(cancelled(current, text))
        tx.audit("cancel", patients=(_patient_of(current),),
                 entities=(f"Appointment/{current['id']}",), description=text)  # fmt: skip
        return stored

    def expire_holds(self, limit: int = 1000) -> int:
        """Close the Appointments of expired holds (status cancelled, "hết thời gian giữ
        chỗ"). Their seats already stopped blocking at expiry; this tidies the record, so
        it may run late. The operator's job (`hoso booking sweep`)."""
        self.door.require_any((), "dọn lịch giữ chỗ / expire holds")
        now = self.now()
        done = 0
        with self.door.transaction("expire-holds", "Appointment") as tx:
            for appointment_id in tx.tables.expired_holds(now, limit):
                current = tx.read("Appointment", appointment_id)
                tx.tables.release(appointment_id, now)
                if current is None or current.get("status") != "pending":
                    continue
                text = "Hết thời gian giữ chỗ / the hold expired"
                tx.update(cancelled(current, text))
                tx.audit("expire-hold", patients=(_patient_of(current) or "",),
                         entities=(f"Appointment/{appointment_id}",), description=text)  # fmt: skip
                done += 1
        return done

    # -- the BHYT estimate -----------------------------------------------------------------
    def estimate(self, request: BookRequest, bhyt_system: str) -> dict[str, Any]:
        """What BHYT would pay and the resident would pay for `request.slot_id` (an
        estimate, labelled so), before confirming; audited as a read of the card."""
        from hoso.booking.estimate import visit_estimate

        self.door.require_patient(request.patient_id)
        now = self.now()
        with self.door.transaction("estimate", f"Slot/{request.slot_id}") as tx:
            slot = self._slot(tx, request.slot_id or "", now)
            patient = tx.read("Patient", request.patient_id)
            if patient is None:
                raise ResourceNotFound(f"Không tìm thấy Patient/{request.patient_id[:64]} / "
                                       "patient not found")  # fmt: skip
            answer = visit_estimate(tx, patient, slot, bhyt_system,
                                    referred=bool(request.referral or request.slip))  # fmt: skip
            tx.audit("estimate", patients=(request.patient_id,),
                     entities=(f"Slot/{slot.slot_id}",), description="ước tính BHYT")  # fmt: skip
        return answer

    # -- the resident's bookings ----------------------------------------------------------
    def upcoming(self, patient_id: str) -> list[dict[str, Any]]:
        """The resident's live Appointments from now on, soonest first (facility staff:
        those at their facility only)."""
        scope = self.door.facility_scope
        if scope is None:
            self.door.require_reader(patient_id)
        else:
            self.door.require_patient(patient_id)
        now = self.now()
        with self.door.transaction("list", f"Patient/{patient_id}") as tx:
            seats = [(seat, slot) for seat, slot in tx.tables.patient_seats(
                patient_id, now, from_us=now - 12 * 3_600_000_000)
                if scope is None or slot.facility == scope]  # fmt: skip
            found = [tx.read("Appointment", seat.appointment_id) for seat, _ in seats]
            tx.audit("list", patients=(patient_id,), entities=(f"Patient/{patient_id}",),
                     description=f"{len(seats)} lịch hẹn")  # fmt: skip
        return [a for a in found if a is not None]

    # -- checks ---------------------------------------------------------------------------
    def _slot(self, tx: Tx, slot_id: str, now: int) -> Any:
        slot = tx.tables.slot(slot_id)
        if slot is None:
            raise ResourceNotFound(f"Không tìm thấy khung giờ Slot/{slot_id[:64]} / "
                                   f"Slot/{slot_id[:64]} not found")  # fmt: skip
        return slot

    def _check_patient(self, tx: Tx, request: BookRequest, slot: Any, now: int, *,
                       replacing: Sequence[str | None]) -> None:  # fmt: skip
        patient = tx.read("Patient", request.patient_id)
        if patient is None or patient.get("active") is False:
            raise ResourceNotFound(f"Không tìm thấy Patient/{request.patient_id[:64]} / "
                                   f"Patient/{request.patient_id[:64]} not found")  # fmt: skip
        counter = self.door.role in ("clinician", "facility-system", "operator")
        lead = 0 if counter else self.rules.lead_minutes * _MINUTE
        if slot.start_us < now + lead:
            raise UnprocessableEntity(
                f"Khung giờ {iso_instant(slot.start_us)} đã qua hoặc quá sát giờ (cần đặt trước "
                f"{self.rules.lead_minutes} phút) / This slot has passed or is too soon",
                expression=["start"])  # fmt: skip
        if slot.start_us > now + self.rules.horizon_days * _DAY:
            raise UnprocessableEntity(
                f"Chỉ nhận đặt lịch trong {self.rules.horizon_days} ngày tới / Bookings open "
                f"{self.rules.horizon_days} days ahead", expression=["start"])  # fmt: skip
        tx.lock_patient(request.patient_id)
        live = [(seat, s) for seat, s in tx.tables.patient_seats(request.patient_id, now,
                                                                 from_us=now)
                if seat.appointment_id not in replacing]  # fmt: skip
        if any(s.service_type == slot.service_type and s.day == slot.day for _, s in live):
            raise _conflict("Người này đã có lịch hẹn cho dịch vụ này trong ngày / This person "
                            "already has a booking for this service that day",
                            f"Slot/{slot.slot_id}")  # fmt: skip
        if len(live) >= self.rules.max_active:
            raise _conflict(f"Mỗi người được giữ tối đa {self.rules.max_active} lịch hẹn chưa "
                            f"khám / At most {self.rules.max_active} open bookings per person",
                            f"Patient/{request.patient_id}")  # fmt: skip
        if self.eligibility is not None:
            self.eligibility(tx, patient, slot, request, now)

    def _held(self, tx: Tx, request: BookRequest) -> dict[str, Any]:
        held = tx.read("Appointment", request.appointment_id or "")
        if held is None or _patient_of(held) != request.patient_id or \
                held.get("status") != "pending" or not held.get("slot"):  # fmt: skip
            ref = f"Appointment/{(request.appointment_id or '')[:64]}"
            raise ResourceNotFound(f"Không tìm thấy lịch giữ chỗ {ref} / {ref}: no such hold")
        return held

    def _own_appointment(self, tx: Tx, appointment_id: str) -> dict[str, Any]:
        """The Appointment, when the caller may act for its resident; the same 404 for an
        absent one and for another resident's."""
        found = tx.read("Appointment", appointment_id)
        patient = _patient_of(found) if found else None
        scope = self.door.facility_scope
        if scope is not None and found is not None:
            seat = tx.tables.seat_of(appointment_id)
            slot = tx.tables.slot(seat.slot_id) if seat else None
            found = found if slot is not None and slot.facility == scope else None
        if found is None or patient is None or not self._may_act(patient, found):
            raise ResourceNotFound(f"Không tìm thấy Appointment/{appointment_id[:64]} / "
                                   f"Appointment/{appointment_id[:64]} not found")  # fmt: skip
        return found

    def _may_act(self, patient_id: str, appointment: dict[str, Any]) -> bool:
        try:
            self.door.require_patient(patient_id)
        except Exception:  # the refusal is audited; the caller sees a 404
            return False
        return True

    def _use_slip(self, tx: Tx, slip: str, appointment_id: str, now: int) -> None:
        if not tx.tables.use_slip(f"Appointment/{slip}", appointment_id, now):
            raise _conflict(SLIP_USED, f"Appointment/{slip}")

    def _full(self, slot: Any) -> Conflict:
        when = iso_instant(slot.start_us)
        return _conflict(f"Khung giờ {when} đã hết chỗ; hãy chọn giờ khác / This slot is full; "
                         "choose another time", f"Slot/{slot.slot_id}")  # fmt: skip


def _patient_of(appointment: dict[str, Any]) -> str | None:
    for p in appointment.get("participant") or []:
        ref = ((p or {}).get("actor") or {}).get("reference") or ""
        if ref.startswith("Patient/"):
            return ref.split("/", 1)[1]
    return None
