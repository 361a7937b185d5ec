"""SQL of the booking's messages and waitlist (issue 21 point 5; `hoso.booking.outbox`,
`hoso.booking.reminders`, `hoso.booking.waitlist`): part of `session.booking`
(`hoso.store.booking_seats.SqlBookingTables`), on the caller's connection, so a message
is queued, or a waitlist entry moves on, in the same transaction as what caused it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hoso.store.booking_schema import bk_outbox
from hoso.store.booking_waitlist_schema import bk_waitlist

__all__ = ["MessageTables", "OutboxRow", "WaitlistRow"]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    kind: str
    recipient: str
    patient_id: str | None
    appointment_id: str | None
    body: str
    due_us: int
    status: str
    sent_us: int | None
    dedupe_key: str
    created_us: int


@dataclass(frozen=True, slots=True)
class WaitlistRow:
    id: int
    patient_id: str
    service_type: str
    facility: str | None
    from_day: str
    to_day: str
    phone: str
    state: str
    offered_appointment_id: str | None
    offer_expires_us: int | None
    created_us: int



_O, _W = bk_outbox, bk_waitlist
_OUTBOX_COLS = [_O.c[n] for n in OutboxRow.__dataclass_fields__]
_WAITLIST_COLS = [_W.c[n] for n in WaitlistRow.__dataclass_fields__]
_MESSAGE_FIELDS = ("kind", "recipient", "patient_id", "appointment_id", "body", "due_us",
                   "dedupe_key")  # fmt: skip


class MessageTables:
    """The outbox and the waitlist, mixed into `SqlBookingTables`."""

    conn: sa.Connection

    # -- outbox (reminders/waitlist helper: hoso.booking.outbox) -------------------------
    def enqueue(self, messages: Sequence[Any], now_us: int) -> int:
        """Add `messages` (`hoso.booking.sender.Message`) as pending; one whose
        `dedupe_key` is known is skipped by the database (ON CONFLICT DO NOTHING, the same
        words on SQLite and PostgreSQL), so planning a reminder twice, or two workers
        racing, still makes one row. How many were added."""
        sql = sa.text(
            "INSERT INTO bk_outbox (kind, recipient, patient_id, appointment_id, body, due_us, "
            "status, dedupe_key, created_us) VALUES (:kind, :recipient, :patient_id, "
            ":appointment_id, :body, :due_us, 'pending', :dedupe_key, :now) "
            "ON CONFLICT (dedupe_key) DO NOTHING"
        )
        added = 0
        for message in messages:  # one by one: rowcount of an executemany is not portable
            values = {n: getattr(message, n) for n in _MESSAGE_FIELDS}
            added += self.conn.execute(sql, {**values, "now": now_us}).rowcount
        return added

    def message_by_key(self, dedupe_key: str) -> OutboxRow | None:
        row = self.conn.execute(sa.select(*_OUTBOX_COLS).where(_O.c.dedupe_key == dedupe_key)
                                ).first()  # fmt: skip
        return OutboxRow(*row) if row else None

    def due_messages(self, now_us: int, limit: int = 100) -> list[OutboxRow]:
        """Pending messages due by `now_us`, oldest first; on PostgreSQL locked for this
        transaction and skipped by a second dispatcher (SQLite has one writer anyway)."""
        query = (sa.select(*_OUTBOX_COLS).where(_O.c.status == "pending", _O.c.due_us <= now_us)
                 .order_by(_O.c.due_us, _O.c.id).limit(limit)
                 .with_for_update(skip_locked=True))  # fmt: skip
        return [OutboxRow(*r) for r in self.conn.execute(query)]

    def mark_sent(self, message_id: int, now_us: int) -> bool:
        return self._settle(message_id, "sent", now_us)

    def mark_failed(self, message_id: int, now_us: int) -> bool:
        return self._settle(message_id, "failed", now_us)

    def _settle(self, message_id: int, status: str, now_us: int) -> bool:
        done = self.conn.execute(sa.update(_O).where(_O.c.id == message_id,
                                                     _O.c.status == "pending")
                                 .values(status=status, sent_us=now_us))  # fmt: skip
        return done.rowcount == 1

    def void_for(self, appointment_id: str, kinds: Sequence[str] = ("reminder",)) -> int:
        """Void the Appointment's pending messages of `kinds`; how many."""
        done = self.conn.execute(sa.update(_O).where(
            _O.c.appointment_id == appointment_id, _O.c.status == "pending",
            _O.c.kind.in_(list(kinds))).values(status="void"))  # fmt: skip
        return int(done.rowcount)

    def outbox(self, *, patient_id: str | None = None, appointment_id: str | None = None,
               limit: int = 100) -> list[OutboxRow]:  # fmt: skip
        """Messages, newest first (of one resident or one Appointment when given)."""
        query = sa.select(*_OUTBOX_COLS).order_by(_O.c.id.desc()).limit(limit)
        if patient_id is not None:
            query = query.where(_O.c.patient_id == patient_id)
        if appointment_id is not None:
            query = query.where(_O.c.appointment_id == appointment_id)
        return [OutboxRow(*r) for r in self.conn.execute(query)]

    # -- waitlist (reminders/waitlist helper: hoso.booking.waitlist) ---------------------
    def join_waitlist(self, *, patient_id: str, service_type: str, facility: str | None,
                      from_day: str, to_day: str, phone: str, now_us: int) -> int:  # fmt: skip
        query = sa.insert(_W).values(
            patient_id=patient_id, service_type=service_type, facility=facility,
            from_day=from_day, to_day=to_day, phone=phone, state="waiting",
            created_us=now_us).returning(_W.c.id)  # fmt: skip
        return int(self.conn.execute(query).scalar_one())

    def waitlist_entries(self, *, patient_id: str | None = None, states: Sequence[str] = (),
                         limit: int = 200) -> list[WaitlistRow]:  # fmt: skip
        """Entries in the order they joined (of one resident, in `states`, when given)."""
        query = sa.select(*_WAITLIST_COLS).order_by(_W.c.id).limit(limit)
        if patient_id is not None:
            query = query.where(_W.c.patient_id == patient_id)
        if states:
            query = query.where(_W.c.state.in_(list(states)))
        return [WaitlistRow(*r) for r in self.conn.execute(query)]

    def first_waiting(self, *, service_type: str, facility: str, day: str,
                      after_id: int = 0) -> WaitlistRow | None:  # fmt: skip
        """The earliest waiting entry after `after_id` a seat of `service_type` at
        `facility` on `day` suits."""
        row = self.conn.execute(sa.select(*_WAITLIST_COLS).where(
            _W.c.state == "waiting", _W.c.service_type == service_type, _W.c.id > after_id,
            sa.or_(_W.c.facility.is_(None), _W.c.facility == facility),
            _W.c.from_day <= day, _W.c.to_day >= day).order_by(_W.c.id).limit(1)
        ).first()  # fmt: skip
        return WaitlistRow(*row) if row else None

    def offer_seat(self, entry_id: int, appointment_id: str, expires_us: int) -> bool:
        """A waiting entry is offered the held `appointment_id`; False when it no longer
        waits (withdrawn meanwhile)."""
        done = self.conn.execute(sa.update(_W).where(_W.c.id == entry_id,
                                                     _W.c.state == "waiting").values(
            state="offered", offered_appointment_id=appointment_id,
            offer_expires_us=expires_us))  # fmt: skip
        return done.rowcount == 1

    def waitlist_offer_of(self, appointment_id: str) -> WaitlistRow | None:
        row = self.conn.execute(sa.select(*_WAITLIST_COLS).where(
            _W.c.offered_appointment_id == appointment_id).order_by(_W.c.id.desc())
        ).first()  # fmt: skip
        return WaitlistRow(*row) if row else None

    def set_waitlist_state(self, entry_id: int, state: str, *, expect: Sequence[str]) -> bool:
        """Move an entry from one of `expect` to `state`; whether it moved."""
        done = self.conn.execute(sa.update(_W).where(
            _W.c.id == entry_id, _W.c.state.in_(list(expect))).values(state=state))  # fmt: skip
        return done.rowcount == 1

    def lapsed_offers(self, now_us: int, limit: int = 100) -> list[WaitlistRow]:
        """Offered entries whose offer ran out by `now_us`."""
        rows = self.conn.execute(sa.select(*_WAITLIST_COLS).where(
            _W.c.state == "offered", _W.c.offer_expires_us <= now_us).order_by(_W.c.id)
            .limit(limit))  # fmt: skip
        return [WaitlistRow(*r) for r in rows]

    def close_past_waits(self, today: str) -> int:
        """Waiting entries whose last day has gone expire; how many."""
        done = self.conn.execute(sa.update(_W).where(
            _W.c.state == "waiting", _W.c.to_day < today).values(state="expired"))  # fmt: skip
        return int(done.rowcount)

