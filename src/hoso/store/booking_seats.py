"""SQL of the booking service (issue 21): the Slot projection, the seats and the slips
here, the queue numbers (`booking_queue_rows`), the messages and the waitlist
(`booking_messages`) mixed in — all on the connection of the caller's unit of work, so a
seat is taken, the Appointment written, the queue number given and the audit entry
appended in ONE transaction, or none of them is.

Taking a seat is one statement that changes a `free` row (or a `held` one whose hold has
expired: the expiry instant is in the statement, so an expired hold stops blocking then,
not when a sweeper runs). PostgreSQL chooses the row with `FOR UPDATE SKIP LOCKED`, so
racing bookers each lock a different seat and re-check it after the lock; SQLite
serialises writers (`BEGIN IMMEDIATE`). Either way a Slot never gives more seats than it
has rows; the seat's primary key and the unique (slot, patient) and (appointment)
indexes are what the database refuses, whatever the Python above does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hoso.core.errors import Conflict
from hoso.store.booking_codes import SqlBookingCodes
from hoso.store.booking_messages import MessageTables, OutboxRow, WaitlistRow
from hoso.store.booking_queue_rows import QueueTables, TicketRow
from hoso.store.booking_schema import bk_seat, bk_slip_use, bk_slot
from hoso.store.dialect import Dialect

__all__ = ["OutboxRow", "SeatRow", "SlotRow", "SqlBookingTables", "TicketRow", "WaitlistRow"]

# The queue numbers and the messages are kept in their own modules, mixed in below.

_S, _T, _U = bk_slot, bk_seat, bk_slip_use
_FREE = "(t.state = 'free' OR (t.state = 'held' AND t.hold_expires_us <= :now))"


@dataclass(frozen=True, slots=True)
class SlotRow:
    slot_id: str
    schedule_id: str
    facility: str
    service: str
    service_type: str
    service_point: str
    ward: str | None
    day: str
    start_us: int
    end_us: int
    capacity: int


@dataclass(frozen=True, slots=True)
class SeatRow:
    slot_id: str
    seat_no: int
    state: str
    appointment_id: str | None
    patient_id: str | None
    hold_expires_us: int | None
    overbook: bool



_SLOT_COLS = [_S.c[n] for n in SlotRow.__dataclass_fields__]
_SEAT_COLS = [_T.c[n] for n in SeatRow.__dataclass_fields__]


@contextmanager
def _unique_as_conflict(what: str) -> Iterator[None]:
    """A unique index refusing a row (a second seat for one resident in a Slot, a
    second use of a slip) is a 409: the caller's whole unit of work rolls back."""
    try:
        yield
    except sa.exc.IntegrityError:
        raise Conflict(f"{what}; hãy tải lại / reload and try again") from None


class SqlBookingTables(QueueTables, MessageTables):
    def __init__(self, conn: sa.Connection, dialect: Dialect) -> None:
        self.conn, self.dialect = conn, dialect

    # -- slots ----------------------------------------------------------------------------
    def add_slots(self, slots: Sequence[SlotRow], now_us: int) -> list[str]:
        """Project new Slots and create their seats; the ids added (known ones are
        left as they are: generating a week twice adds nothing)."""
        ids = [s.slot_id for s in slots]
        known: set[str] = set()
        for i in range(0, len(ids), 500):
            rows = self.conn.execute(
                sa.select(_S.c.slot_id).where(_S.c.slot_id.in_(ids[i : i + 500]))
            )
            known.update(r[0] for r in rows)
        new = [s for s in slots if s.slot_id not in known]
        if new:
            self.conn.execute(sa.insert(_S), [
                {n: getattr(s, n) for n in SlotRow.__dataclass_fields__} for s in new])  # fmt: skip
            self.conn.execute(sa.insert(_T), [
                {"slot_id": s.slot_id, "seat_no": n, "state": "free", "overbook": False,
                 "updated_us": now_us}
                for s in new for n in range(1, s.capacity + 1)])  # fmt: skip
        return [s.slot_id for s in new]

    def slot(self, slot_id: str) -> SlotRow | None:
        row = self.conn.execute(sa.select(*_SLOT_COLS).where(_S.c.slot_id == slot_id)).first()
        return SlotRow(*row) if row else None

    def available(self, *, start_us: int, end_us: int, now_us: int,
                  service_types: Sequence[str] = (), facilities: Sequence[str] = (),
                  service_points: Sequence[str] = (), per_facility: int = 1,
                  limit: int = 2000) -> list[tuple[SlotRow, int]]:  # fmt: skip
        """Slots starting in [start, end) with a seat free at `now`, with how many: the
        `per_facility` earliest of each facility and service (`$find` ranks them)."""
        if per_facility == 1 and not facilities and not service_points:
            # the city-wide $find (bench.booking): one index range per service instead
            # of counting every seat of the window (see first_free_per_service)
            return self.first_free_per_service(start_us=start_us, end_us=end_us,
                                               now_us=now_us, service_types=service_types,
                                               limit=limit)  # fmt: skip
        where = ["s.start_us >= :start", "s.start_us < :end"]
        args: dict[str, Any] = {"start": start_us, "end": end_us, "now": now_us,
                                "per": per_facility, "limit": limit}  # fmt: skip
        for column, values, key in (("s.service_type", service_types, "types"),
                                    ("s.facility", facilities, "facs"),
                                    ("s.service_point", service_points, "points")):  # fmt: skip
            if values:
                marks = ", ".join(f":{key}{i}" for i in range(len(values)))
                where.append(f"{column} IN ({marks})")
                args.update({f"{key}{i}": v for i, v in enumerate(values)})
        cols = ", ".join(f"s.{c.name}" for c in _SLOT_COLS)
        sql = (
            f"SELECT {cols}, free FROM (SELECT {cols}, f.free, row_number() OVER ("
            "PARTITION BY s.facility, s.service ORDER BY s.start_us) AS rank FROM bk_slot s "
            f"JOIN (SELECT t.slot_id, count(*) AS free FROM bk_seat t WHERE {_FREE} "
            "AND NOT t.overbook GROUP BY t.slot_id) f ON f.slot_id = s.slot_id "
            f"WHERE {' AND '.join(where)}) s WHERE rank <= :per ORDER BY start_us LIMIT :limit"
        )
        rows = self.conn.execute(sa.text(sql), args)
        return [(SlotRow(*r[:-1]), int(r[-1])) for r in rows]

    def free_seats(self, slot_id: str, now_us: int) -> int:
        sql = f"SELECT count(*) FROM bk_seat t WHERE t.slot_id = :s AND NOT t.overbook AND {_FREE}"
        return int(self.conn.execute(sa.text(sql), {"s": slot_id, "now": now_us}).scalar() or 0)

    # -- seats ----------------------------------------------------------------------------
    def claim(self, slot_id: str, appointment_id: str, patient_id: str, now_us: int,
              hold_until_us: int | None = None) -> int | None:  # fmt: skip
        """Take one free seat of `slot_id` for `appointment_id`: held until
        `hold_until_us`, else booked. The seat's number, or None when there is none."""
        lock = " FOR UPDATE SKIP LOCKED" if self.dialect.name == "postgresql" else ""
        sql = (
            "UPDATE bk_seat SET state = :state, appointment_id = :a, patient_id = :p, "
            "hold_expires_us = :exp, updated_us = :now WHERE slot_id = :s AND seat_no = ("
            f"SELECT t.seat_no FROM bk_seat t WHERE t.slot_id = :s AND NOT t.overbook AND {_FREE} "
            "ORDER BY CASE WHEN t.patient_id = :p THEN 0 ELSE 1 END, t.seat_no LIMIT 1"
            f"{lock}) RETURNING seat_no"
        )
        args = {"state": "booked" if hold_until_us is None else "held", "a": appointment_id,
                "p": patient_id, "exp": hold_until_us, "now": now_us, "s": slot_id}
        with _unique_as_conflict("Người này đã có chỗ trong khung giờ này / This person "
                                 "already has a seat in this slot"):  # fmt: skip
            row = self.conn.execute(sa.text(sql), args).first()
        return int(row[0]) if row else None

    def overbook(self, slot_id: str, appointment_id: str, patient_id: str, now_us: int) -> int:
        """A seat beyond the capacity (staff only, decided above): the next number."""
        top = self.conn.execute(sa.select(sa.func.max(_T.c.seat_no)).where(_T.c.slot_id == slot_id))
        seat_no = int(top.scalar() or 0) + 1
        with _unique_as_conflict("Người này đã có chỗ trong khung giờ này / This person "
                                 "already has a seat in this slot"):  # fmt: skip
            self.conn.execute(sa.insert(_T).values(
                slot_id=slot_id, seat_no=seat_no, state="booked", appointment_id=appointment_id,
                patient_id=patient_id, overbook=True, updated_us=now_us))  # fmt: skip
        return seat_no

    def confirm_hold(self, appointment_id: str, now_us: int) -> bool:
        """Turn a live hold into a booking; False when it expired (or was never one)."""
        done = self.conn.execute(sa.update(_T).where(
            _T.c.appointment_id == appointment_id, _T.c.state == "held",
            _T.c.hold_expires_us > now_us).values(state="booked", hold_expires_us=None,
                                                  updated_us=now_us))  # fmt: skip
        return done.rowcount == 1

    def seat_of(self, appointment_id: str) -> SeatRow | None:
        row = self.conn.execute(sa.select(*_SEAT_COLS).where(_T.c.appointment_id == appointment_id)
                                ).first()  # fmt: skip
        return SeatRow(*row) if row else None

    def release(self, appointment_id: str, now_us: int) -> SeatRow | None:
        """Give the seat back (an overbooked one disappears); the seat as it was."""
        seat = self.seat_of(appointment_id)
        if seat is None:
            return None
        if seat.overbook:
            self.conn.execute(sa.delete(_T).where(_T.c.appointment_id == appointment_id))
        else:
            self.conn.execute(sa.update(_T).where(_T.c.appointment_id == appointment_id).values(
                state="free", appointment_id=None, patient_id=None, hold_expires_us=None,
                updated_us=now_us))  # fmt: skip
        return seat

    def patient_seats(
        self, patient_id: str, now_us: int, *, from_us: int
    ) -> list[tuple[SeatRow, SlotRow]]:
        """The resident's live seats (booked, or held and not expired) in Slots starting
        at or after `from_us`."""
        query = (sa.select(*_SEAT_COLS, *_SLOT_COLS).join(_S, _S.c.slot_id == _T.c.slot_id)
                 .where(_T.c.patient_id == patient_id, _S.c.start_us >= from_us,
                        sa.or_(_T.c.state == "booked", sa.and_(_T.c.state == "held",
                                                               _T.c.hold_expires_us > now_us)))
                 .order_by(_S.c.start_us))  # fmt: skip
        n = len(_SEAT_COLS)
        return [(SeatRow(*r[:n]), SlotRow(*r[n:])) for r in self.conn.execute(query)]

    def expired_holds(self, now_us: int, limit: int = 1000) -> list[str]:
        """Appointments whose hold has expired (their seats are already free to take)."""
        rows = self.conn.execute(sa.select(_T.c.appointment_id).where(
            _T.c.state == "held", _T.c.hold_expires_us <= now_us).limit(limit))  # fmt: skip
        return [str(r[0]) for r in rows]

    # -- re-examination slips -------------------------------------------------------------
    def use_slip(self, slip: str, appointment_id: str, now_us: int) -> bool:
        """Record the slip's one use; False when it was used already."""
        taken = self.conn.execute(sa.select(_U.c.appointment_id).where(_U.c.slip == slip)).first()
        if taken:
            return False
        with _unique_as_conflict("Giấy hẹn khám lại này vừa được dùng / This slip was just used"):
            self.conn.execute(sa.insert(_U).values(slip=slip, appointment_id=appointment_id,
                                                   used_us=now_us))  # fmt: skip
        return True

    def free_slip(self, appointment_id: str) -> None:
        """A cancelled booking gives its slip back."""
        self.conn.execute(sa.delete(_U).where(_U.c.appointment_id == appointment_id))

    # -- portal (helper C): one-time codes and booking sessions ---------------------------
    @property
    def codes(self) -> SqlBookingCodes:
        """`hoso.store.booking_codes`: kept apart, on the same connection."""
        return SqlBookingCodes(self.conn)

    # -- bench (issue 21 point 7): the city-wide $find ------------------------------------
    def first_free_per_service(self, *, start_us: int, end_us: int, now_us: int,
                               service_types: Sequence[str] = (), limit: int = 2000
                               ) -> list[tuple[SlotRow, int]]:  # fmt: skip
        """What `available(per_facility=1)` answers with no facility or room named: the
        earliest Slot with a free seat of each service (a service belongs to one
        facility), soonest first. The services are enumerated by a skip scan of
        `ix_bk_slot_type_service_start` (a recursive CTE: neither database skips on its
        own), then each service's first free Slot is one index range; the seats of only
        those Slots are counted. At the city's 90,000 Slots of 14 days the former join
        counted every seat (≈200 ms); this reads about two index entries per service."""
        args: dict[str, Any] = {"start": start_us, "end": end_us, "now": now_us}
        if service_types:
            marks = ", ".join(f"(:type{i})" for i in range(len(service_types)))
            args.update({f"type{i}": t for i, t in enumerate(service_types)})
            types = f"types(code) AS (VALUES {marks})"
        else:
            types = ("types(code) AS (SELECT min(service_type) FROM bk_slot UNION ALL "
                     "SELECT (SELECT min(b.service_type) FROM bk_slot b WHERE b.service_type "
                     "> types.code) FROM types WHERE types.code IS NOT NULL)")  # fmt: skip
        sql = (
            f"WITH RECURSIVE {types}, pair(t, s) AS (SELECT code, (SELECT min(b.service) "
            "FROM bk_slot b WHERE b.service_type = code) FROM types WHERE code IS NOT NULL "
            "UNION ALL SELECT t, (SELECT min(b.service) FROM bk_slot b WHERE b.service_type "
            "= pair.t AND b.service > pair.s) FROM pair WHERE pair.s IS NOT NULL) "
            "SELECT (SELECT s.slot_id FROM bk_slot s WHERE s.service_type = pair.t AND "
            "s.service = pair.s AND s.start_us >= :start AND s.start_us < :end AND EXISTS ("
            f"SELECT 1 FROM bk_seat t WHERE t.slot_id = s.slot_id AND NOT t.overbook AND {_FREE}"
            ") ORDER BY s.start_us LIMIT 1) FROM pair WHERE pair.s IS NOT NULL"
        )
        ids = [r[0] for r in self.conn.execute(sa.text(sql), args) if r[0] is not None]
        cols = ", ".join(f"s.{c.name}" for c in _SLOT_COLS)
        found: list[tuple[SlotRow, int]] = []
        for i in range(0, len(ids), 500):  # an explicit id list: the primary key is used
            chunk = {f"id{k}": v for k, v in enumerate(ids[i : i + 500])}
            rows = self.conn.execute(sa.text(
                f"SELECT {cols}, (SELECT count(*) FROM bk_seat t WHERE t.slot_id = s.slot_id "
                f"AND NOT t.overbook AND {_FREE}) FROM bk_slot s WHERE s.slot_id IN "
                f"({', '.join(':' + k for k in chunk)})"), {"now": now_us, **chunk})  # fmt: skip
            found += [(SlotRow(*r[:-1]), int(r[-1])) for r in rows]
        found.sort(key=lambda f: (f[0].start_us, f[0].slot_id))
        return [f for f in found if f[1] > 0][:limit]
