"""The queue at a room (số thứ tự, issue 21 point 3): walk-in numbers, check-in at the
counter or a kiosk, "call next", done, and the no-show sweep — over the booking door,
each step one audited transaction.

How the numbers and the calling order read (docs/booking-queue.md):
- A room (service point = Location id) has ONE gap-free sequence of numbers per local
  day: booked numbers (given in the booking's transaction) and walk-in numbers (given
  here at the counter) come from the same counter, so 001, 002, … never skip or repeat.
- The rule orders the CALLING, not the numbering. Only tickets that have ARRIVED (checked
  in, or a walk-in, who is at the counter when the number is printed) are called. With
  `booked_per_walkin = N` (N ≥ 1) the room calls N booked tickets, then one walk-in,
  and again, each kind by its number; when one kind has nobody waiting the other is
  called, so the room never idles. N = 0 calls strictly by number. HOUSE: HCMC hospitals
  that take online bookings give booked patients priority ("ưu tiên người đặt lịch")
  without shutting out walk-ins; 2:1 is our default, each room may set its own
  (its Location's `queue-booked-per-walkin` extension, `hoso.booking.calling`).
- Where the room is in the N:1 pattern is read from the day's own data (the kinds of the
  tickets already called, in the order they were called), so a restart, two counters, or
  a second process agree on it with no state kept in Python.
- Tickets go waiting → arrived → called → done; a booked ticket still waiting when its
  slot started more than `BookingRules.noshow_grace_minutes` ago becomes `noshow` with its
  Appointment (FHIR R4 Appointment.status `noshow`), by the sweep (`hoso booking sweep`).
  The Appointment follows: booked → arrived → fulfilled, or noshow.

Who: facility staff (a clinician at the counter, the facility's system token for a kiosk)
of the room's facility, and the operator; the sweep is the operator's timer job.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from hoso.booking.appointment import queue_label
from hoso.booking.calling import (
    BOOKED,
    WALK_IN,
    QueueRules,
    called_kinds,
    next_to_call,
    rules_for_room,
)
from hoso.booking.model import day_of
from hoso.booking.service import BookingRules, Tx
from hoso.core import clock
from hoso.core.errors import Conflict, InvalidRequest, ResourceNotFound

__all__ = ["QueueService", "SweepReport", "Ticket"]

_MINUTE = 60_000_000


@dataclass(frozen=True, slots=True)
class Ticket:
    """A queue ticket as the counter sees it (the numbers, its state, whose visit)."""

    service_point: str
    day: str
    number: int
    kind: str
    state: str
    facility: str
    appointment_id: str | None = None
    patient_id: str | None = None
    called_us: int | None = None

    @property
    def label(self) -> str:
        return queue_label(self.number)

    def to_json(self) -> dict[str, Any]:
        return {"service_point": self.service_point, "day": self.day, "number": self.number,
                "label": self.label, "kind": self.kind, "state": self.state,
                "appointment": self.appointment_id}  # fmt: skip


@dataclass
class SweepReport:
    noshow: list[str] = field(default_factory=list)  # Appointment ids marked noshow

    def to_json(self) -> dict[str, Any]:
        return {"noshow": len(self.noshow), "appointments": self.noshow}


# -- the service over the door ----------------------------------------------------------
class QueueDoor(Protocol):
    """`hoso.access.booking.BookingAccess`."""

    @property
    def facility(self) -> str | None: ...
    def require_any(self, allowed: tuple[str, ...], what: str) -> None: ...
    def transaction(self, operation: str, entity: str) -> AbstractContextManager[Tx]: ...


def _ticket(row: Any) -> Ticket:
    return Ticket(row.service_point, row.day, row.number, row.kind, row.state, row.facility,
                  row.appointment_id, row.patient_id, row.called_us)  # fmt: skip


def _where(ticket: Any) -> str:
    return f"số {queue_label(ticket.number)} tại Location/{ticket.service_point}"


class QueueService:
    def __init__(self, door: QueueDoor, rules: BookingRules | None = None,
                 queue_rules: QueueRules | None = None, *, cccd_system: str,
                 now: Callable[[], int] = clock.now_us) -> None:  # fmt: skip
        self.door, self.rules = door, rules or BookingRules()
        self.queue_rules, self.cccd_system, self.now = queue_rules or QueueRules(), cccd_system, now

    # -- walk-ins -------------------------------------------------------------------------
    def walk_in(self, service_point: str, patient_id: str | None = None) -> Ticket:
        """A walk-in number at the room, arrived at once (the person is at the counter)."""
        now = self.now()
        day = day_of(now)
        with self.door.transaction("walk-in", f"Location/{service_point[:64]}") as tx:
            facility = self._facility(tx, service_point)
            tx.require_staff(facility, "cấp số vãng lai / give a walk-in number")
            if patient_id is not None and tx.read("Patient", patient_id) is None:
                raise ResourceNotFound(f"Không tìm thấy Patient/{patient_id[:64]} / "
                                       f"Patient/{patient_id[:64]} not found")  # fmt: skip
            number = tx.tables.issue_ticket(service_point=service_point, day=day, kind=WALK_IN,
                                            facility=facility, now_us=now,
                                            patient_id=patient_id)  # fmt: skip
            tx.tables.set_ticket_state(service_point, day, number, "arrived", now)
            row = tx.tables.ticket(service_point, day, number)
            tx.audit("walk-in", patients=(patient_id,) if patient_id else (),
                     entities=(f"Location/{service_point}",),
                     description=f"lấy số vãng lai {_where(row)}")  # fmt: skip
        return _ticket(row)

    # -- check-in -------------------------------------------------------------------------
    def check_in_number(self, service_point: str, number: int) -> Ticket:
        """Check in today's booked ticket `number` at the room."""
        now = self.now()
        with self.door.transaction("check-in", f"Location/{service_point[:64]}") as tx:
            # The room's facility first: another facility's staff learn nothing of its numbers.
            tx.require_staff(self._facility(tx, service_point), "tiếp đón / check patients in")
            row = tx.tables.ticket(service_point, day_of(now), number)
            if row is None:
                raise ResourceNotFound(f"Không có số {queue_label(number)} hôm nay tại phòng "
                                       f"này / No number {queue_label(number)} today in this "
                                       "room")  # fmt: skip
            return self._arrive(tx, row, now)

    def check_in_appointment(self, appointment_id: str) -> Ticket:
        """Check in by the Appointment (the kiosk scans the booking's code)."""
        now = self.now()
        with self.door.transaction("check-in", f"Appointment/{appointment_id[:64]}") as tx:
            row = tx.tables.ticket_of(appointment_id)
            if row is None or row.day != day_of(now):
                raise ResourceNotFound("Không có lịch hẹn hôm nay với mã này / No appointment "
                                       "today with this code")  # fmt: skip
            return self._arrive(tx, row, now)

    def check_in_cccd(self, cccd: str, facility: str | None = None, *,
                      service_point: str | None = None) -> list[Ticket]:  # fmt: skip
        """Check in every ticket booked for today at `facility` (the caller's own by
        default; the room's when `service_point` is given, and only that room's) by the
        resident's CCCD."""
        cccd = cccd.strip()
        if not (cccd.isascii() and cccd.isdigit() and len(cccd) == 12):
            raise InvalidRequest("Số CCCD gồm 12 chữ số / A CCCD is 12 digits",
                                 expression=["cccd"])  # fmt: skip
        now = self.now()
        with self.door.transaction("check-in", "Patient?identifier=cccd") as tx:
            if service_point is not None:
                facility = self._facility(tx, service_point)
            facility = facility or self.door.facility
            if not facility:
                raise InvalidRequest("Cần mã cơ sở / A facility is required",
                                     expression=["facility"])  # fmt: skip
            tx.require_staff(facility, "tiếp đón người bệnh / check patients in")
            found = tx.search("Patient", [("identifier", f"{self.cccd_system}|{cccd}")])
            rows = [t for p in found for t in tx.tables.patient_tickets(p["id"], day_of(now))
                    if t.facility == facility and t.kind == BOOKED and t.state == "waiting"
                    and service_point in (None, t.service_point)]  # fmt: skip
            if not rows:
                raise ResourceNotFound("Không có lịch hẹn chờ tiếp đón hôm nay cho số CCCD này "
                                       "/ No appointment waiting today for this CCCD")  # fmt: skip
            return [self._arrive(tx, row, now) for row in rows]

    def _arrive(self, tx: Tx, row: Any, now: int) -> Ticket:
        tx.require_staff(row.facility, "tiếp đón người bệnh / check patients in")
        moved = row.state == "waiting" and tx.tables.set_ticket_state(
            row.service_point, row.day, row.number, "arrived", now, expect=("waiting",)
        )
        if not moved:
            raise Conflict(f"Số {queue_label(row.number)} đang ở trạng thái {row.state}, không "
                           f"thể tiếp đón / Number {queue_label(row.number)} is {row.state}; "
                           "it cannot be checked in", expression=[_where(row)])  # fmt: skip
        self._appointment_to(tx, row, ("booked",), "arrived")
        tx.audit("check-in", patients=(row.patient_id,) if row.patient_id else (),
                 entities=self._entities(row), description=f"tiếp đón {_where(row)}")  # fmt: skip
        return _ticket(tx.tables.ticket(row.service_point, row.day, row.number))

    # -- calling and done -----------------------------------------------------------------
    def call_next(self, service_point: str) -> Ticket | None:
        """Call the next arrived ticket by the rule; None when nobody is waiting."""
        now = self.now()
        day = day_of(now)
        with self.door.transaction("call", f"Location/{service_point[:64]}") as tx:
            facility = self._facility(tx, service_point)
            tx.require_staff(facility, "gọi số / call the next number")
            tickets = tx.tables.queue(service_point, day)
            arrived = [t for t in tickets if t.state == "arrived"]
            kinds = called_kinds(tickets)
            room = tx.read("Location", service_point) or {}
            ratio = rules_for_room(room.get("extension") or [], self.queue_rules).booked_per_walkin
            while arrived:
                chosen = next_to_call(arrived, kinds, ratio)
                # Two counters pressing at once: the loser's ticket has moved, take the next.
                if tx.tables.set_ticket_state(service_point, day, chosen.number, "called", now,
                                              expect=("arrived",)):  # fmt: skip
                    tx.audit("call", patients=(chosen.patient_id,) if chosen.patient_id else (),
                             entities=self._entities(chosen),
                             description=f"gọi {_where(chosen)}")  # fmt: skip
                    return _ticket(tx.tables.ticket(service_point, day, chosen.number))
                arrived.remove(chosen)
        return None

    def finish(self, service_point: str, number: int) -> Ticket:
        """The visit of today's `number` is done: ticket done, Appointment fulfilled."""
        now = self.now()
        day = day_of(now)
        with self.door.transaction("fulfil", f"Location/{service_point[:64]}") as tx:
            row = tx.tables.ticket(service_point, day, number)
            if row is None:
                raise ResourceNotFound(f"Không có số {queue_label(number)} hôm nay / No number "
                                       f"{queue_label(number)} today")  # fmt: skip
            tx.require_staff(row.facility, "kết thúc lượt khám / finish a visit")
            if not tx.tables.set_ticket_state(service_point, day, number, "done", now,
                                              expect=("called", "arrived")):  # fmt: skip
                raise Conflict(f"Số {queue_label(number)} đang ở trạng thái {row.state} / "
                               f"Number {queue_label(number)} is {row.state}",
                               expression=[_where(row)])  # fmt: skip
            self._appointment_to(tx, row, ("booked", "arrived"), "fulfilled")
            tx.audit("fulfil", patients=(row.patient_id,) if row.patient_id else (),
                     entities=self._entities(row), description=f"xong {_where(row)}")  # fmt: skip
            return _ticket(tx.tables.ticket(service_point, day, number))

    # -- no-shows -------------------------------------------------------------------------
    def sweep_noshows(self, batch: int = 500) -> SweepReport:
        """Mark `noshow` every booked ticket still waiting (never checked in) whose slot
        started more than the grace period ago, with its Appointment; one transaction
        per batch, each Appointment audited. The operator's timer job."""
        self.door.require_any((), "đánh dấu vắng mặt / sweep no-shows")
        now = self.now()
        before = now - self.rules.noshow_grace_minutes * _MINUTE
        report = SweepReport()
        while True:
            with self.door.transaction("noshow", "Appointment") as tx:
                rows = tx.tables.overdue_tickets(before, limit=batch)
                for row in rows:
                    self._mark_noshow(tx, row, now, report)
            if len(rows) < batch:
                return report

    def _mark_noshow(self, tx: Tx, row: Any, now: int, report: SweepReport) -> None:
        if not tx.tables.set_ticket_state(row.service_point, row.day, row.number, "noshow",
                                          now, expect=("waiting",)):  # fmt: skip
            return  # checked in meanwhile
        self._appointment_to(tx, row, ("booked",), "noshow")
        minutes = self.rules.noshow_grace_minutes
        tx.audit("noshow", patients=(row.patient_id,) if row.patient_id else (),
                 entities=self._entities(row),
                 description=f"vắng mặt quá {minutes} phút sau giờ hẹn, {_where(row)}")  # fmt: skip
        if row.appointment_id:
            report.noshow.append(row.appointment_id)

    # -- shared ---------------------------------------------------------------------------
    def _facility(self, tx: Tx, service_point: str) -> str:
        facility = tx.tables.service_point_facility(service_point)
        if facility is None:
            raise ResourceNotFound(f"Phòng Location/{service_point[:64]} chưa có lịch khám / "
                                   f"Location/{service_point[:64]} has no sessions")  # fmt: skip
        return str(facility)

    def _appointment_to(self, tx: Tx, row: Any, expect: tuple[str, ...], status: str) -> None:
        if not row.appointment_id:
            return  # a walk-in has no Appointment
        current = tx.read("Appointment", row.appointment_id)
        if current is not None and current.get("status") in expect:
            tx.update({**current, "status": status})

    @staticmethod
    def _entities(row: Any) -> tuple[str, ...]:
        appointment = (f"Appointment/{row.appointment_id}",) if row.appointment_id else ()
        return (*appointment, f"Location/{row.service_point}")
