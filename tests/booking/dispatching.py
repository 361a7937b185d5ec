"""The booking's background work as tests drive it: `hoso.assembly.booking_dispatch`
with an injected clock and a sender that keeps what it was given, and the outbox and
waitlist rows read back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from hoso.access.audit import GroupCommitAuditTrail
from hoso.assembly import booking_dispatch
from hoso.booking.dispatch import BookingDispatch
from hoso.booking.sender import Message
from hoso.store.booking_schema import bk_outbox, bk_slot
from hoso.store.booking_waitlist_schema import bk_waitlist
from hoso.store.sql_store import SqlAuditLog, SqlStore

MINUTE = 60_000_000
HOUR = 60 * MINUTE


@dataclass
class KeptSender:
    delivered: list[Message] = field(default_factory=list)

    def deliver(self, message: Message) -> None:
        self.delivered.append(message)


@dataclass
class Clock:
    """A settable clock: `now()` is what the code under test reads."""

    at: int

    def now(self) -> int:
        return self.at


@contextmanager
def dispatching(store: SqlStore, now: Callable[[], int], sender: Any
                ) -> Iterator[BookingDispatch]:  # fmt: skip
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        yield booking_dispatch(store, trail, now=now, sender=sender)
    finally:
        trail.close()


def slot_on(store: SqlStore, day: date, n: int = 0, facility: str = "79001") -> tuple[str, int]:
    """The `n`th Slot of `day` at `facility` (0: 07:00, 7: 10:30): (id, start µs)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(bk_slot.c.slot_id, bk_slot.c.start_us).where(
            bk_slot.c.day == day.isoformat(), bk_slot.c.facility == facility)
            .order_by(bk_slot.c.start_us).offset(n).limit(1)).one()  # fmt: skip
    return str(row[0]), int(row[1])


def outbox(store: SqlStore, appointment_id: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(bk_outbox).order_by(bk_outbox.c.due_us, bk_outbox.c.id)
    if appointment_id is not None:
        query = query.where(bk_outbox.c.appointment_id == appointment_id)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def waitlist(store: SqlStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(bk_waitlist)
                                                       .order_by(bk_waitlist.c.id))]  # fmt: skip


def days_after(first: date, n: int) -> date:
    return first + timedelta(days=n)
