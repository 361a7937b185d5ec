"""SQL of the queue numbers (issue 21 point 3; `hoso.booking.service`,
`hoso.booking.queue`, `hoso.booking.numbers`): part of `session.booking`
(`hoso.store.booking_seats.SqlBookingTables`). A number is taken in the booking's own
transaction from the room's day counter (an upsert's row lock orders the takers), so a
rolled-back booking gives its number back: the day's numbers have no gap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hoso.store.booking_schema import bk_queue_ticket, bk_seat, bk_slot

__all__ = ["QueueTables", "TicketRow"]

_Q, _S, _T = bk_queue_ticket, bk_slot, bk_seat


@dataclass(frozen=True, slots=True)
class TicketRow:
    service_point: str
    day: str
    number: int
    kind: str
    appointment_id: str | None
    patient_id: str | None
    facility: str
    start_us: int | None
    state: str
    issued_us: int
    arrived_us: int | None
    called_us: int | None



_TICKET_COLS = [_Q.c[n] for n in TicketRow.__dataclass_fields__]


class QueueTables:
    """The rooms' day queues, mixed into `SqlBookingTables`."""

    conn: sa.Connection

    # -- queue numbers --------------------------------------------------------------------
    def issue_ticket(self, *, service_point: str, day: str, kind: str, facility: str,
                     now_us: int, appointment_id: str | None = None,
                     patient_id: str | None = None, start_us: int | None = None
                     ) -> int:  # fmt: skip
        """The day's next number at `service_point`: gap-free, since it is taken in the
        caller's transaction (a rollback gives it back)."""
        number = int(self.conn.execute(sa.text(
            "INSERT INTO bk_queue_counter (service_point, day, last_number) "
            "VALUES (:sp, :day, 1) ON CONFLICT (service_point, day) DO UPDATE SET "
            "last_number = bk_queue_counter.last_number + 1 RETURNING last_number"),
            {"sp": service_point, "day": day}).scalar_one())  # fmt: skip
        self.conn.execute(sa.insert(_Q).values(
            service_point=service_point, day=day, number=number, kind=kind,
            appointment_id=appointment_id, patient_id=patient_id, facility=facility,
            start_us=start_us, state="waiting", issued_us=now_us))  # fmt: skip
        return number

    def ticket_of(self, appointment_id: str) -> TicketRow | None:
        row = self.conn.execute(sa.select(*_TICKET_COLS).where(
            _Q.c.appointment_id == appointment_id)).first()  # fmt: skip
        return TicketRow(*row) if row else None

    def ticket(self, service_point: str, day: str, number: int) -> TicketRow | None:
        row = self.conn.execute(sa.select(*_TICKET_COLS).where(
            _Q.c.service_point == service_point, _Q.c.day == day, _Q.c.number == number)
        ).first()  # fmt: skip
        return TicketRow(*row) if row else None

    def set_ticket_state(self, service_point: str, day: str, number: int, state: str,
                         now_us: int, *, expect: Sequence[str] = ()) -> bool:  # fmt: skip
        """Move a ticket on (only from one of `expect` when given); whether it moved."""
        values: dict[str, Any] = {"state": state}
        if state == "arrived":
            values["arrived_us"] = now_us
        if state == "called":
            values["called_us"] = now_us
        query = sa.update(_Q).where(_Q.c.service_point == service_point, _Q.c.day == day,
                                    _Q.c.number == number)  # fmt: skip
        if expect:
            query = query.where(_Q.c.state.in_(list(expect)))
        return self.conn.execute(query.values(**values)).rowcount == 1

    def queue(self, service_point: str, day: str) -> list[TicketRow]:
        rows = self.conn.execute(sa.select(*_TICKET_COLS).where(
            _Q.c.service_point == service_point, _Q.c.day == day
        ).order_by(_Q.c.number))  # fmt: skip
        return [TicketRow(*r) for r in rows]

    def overdue_tickets(self, before_us: int, limit: int = 1000) -> list[TicketRow]:
        """Booked tickets still waiting whose slot started before `before_us`."""
        rows = self.conn.execute(sa.select(*_TICKET_COLS).where(
            _Q.c.kind == "booked", _Q.c.state == "waiting", _Q.c.start_us < before_us)
            .order_by(_Q.c.start_us).limit(limit))  # fmt: skip
        return [TicketRow(*r) for r in rows]


    # -- queue (helper D) -----------------------------------------------------------------
    def service_point_facility(self, service_point: str) -> str | None:
        """The facility a room (service point) belongs to, from its published Slots."""
        row = self.conn.execute(sa.select(_S.c.facility).where(
            _S.c.service_point == service_point).limit(1)).first()  # fmt: skip
        return str(row[0]) if row else None

    def patient_tickets(self, patient_id: str, day: str) -> list[TicketRow]:
        """The resident's tickets of `day` at every service point, by number."""
        rows = self.conn.execute(sa.select(*_TICKET_COLS).where(
            _Q.c.patient_id == patient_id, _Q.c.day == day).order_by(_Q.c.number))  # fmt: skip
        return [TicketRow(*r) for r in rows]

    def slot_figures(self, *, day_from: str, day_to: str, facilities: Sequence[str] = ()
                     ) -> list[tuple[str, str, str, int, int]]:  # fmt: skip
        """(facility, service type, day, capacity, booked seats) over the days
        [day_from, day_to]; overbooked seats count as booked (utilisation may pass 1)."""
        booked = (sa.select(_T.c.slot_id, sa.func.count().label("n"))
                  .where(_T.c.state == "booked").group_by(_T.c.slot_id).subquery())  # fmt: skip
        query = (sa.select(_S.c.facility, _S.c.service_type, _S.c.day,
                           sa.func.sum(_S.c.capacity),
                           sa.func.sum(sa.func.coalesce(booked.c.n, 0)))
                 .select_from(_S.outerjoin(booked, booked.c.slot_id == _S.c.slot_id))
                 .where(_S.c.day >= day_from, _S.c.day <= day_to)
                 .group_by(_S.c.facility, _S.c.service_type, _S.c.day))  # fmt: skip
        if facilities:
            query = query.where(_S.c.facility.in_(list(facilities)))
        return [(str(f), str(t), str(d), int(c or 0), int(b or 0))
                for f, t, d, c, b in self.conn.execute(query)]  # fmt: skip

    def day_tickets(self, *, day_from: str, day_to: str, facilities: Sequence[str] = ()
                    ) -> list[TicketRow]:  # fmt: skip
        """Every ticket (booked and walk-in) of the days [day_from, day_to]."""
        query = sa.select(*_TICKET_COLS).where(_Q.c.day >= day_from, _Q.c.day <= day_to)
        if facilities:
            query = query.where(_Q.c.facility.in_(list(facilities)))
        rows = self.conn.execute(query.order_by(_Q.c.day, _Q.c.service_point, _Q.c.number))
        return [TicketRow(*r) for r in rows]

