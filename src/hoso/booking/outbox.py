"""Delivering the outbox (issue 21 point 5): the due pending messages go to the sender,
each marked `sent` (or `failed`) and audited in the same transaction it was read in.

Run twice, it delivers once: a message leaves the `pending` state in the transaction
that delivered it, and on PostgreSQL a second dispatcher running at the same moment
skips the rows the first one has locked. What is not exactly-once is the sender
itself: a gateway that accepted a message just before the database lost the
transaction will be handed it again (at least once, never zero times) — an SMS
gateway's idempotency key, where it has one, is `Message.dedupe_key`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from hoso.booking.sender import Message, Sender, masked

__all__ = ["deliver_now", "dispatch_due", "message_of", "messages_for"]

log = logging.getLogger(__name__)


class Door(Protocol):
    """`hoso.access.booking.BookingAccess`, as the dispatcher uses it."""

    def require_any(self, allowed: tuple[str, ...], what: str) -> None: ...
    def transaction(self, operation: str, entity: str) -> AbstractContextManager[Any]: ...


class ResidentDoor(Door, Protocol):
    def require_reader(self, patient_id: str) -> None: ...


def messages_for(door: ResidentDoor, patient_id: str, *, limit: int = 50) -> list[Any]:
    """The messages to one resident, newest first (`OutboxRow`s), for the resident's
    own pages and the call centre's screen; audited as a read of that resident."""
    door.require_reader(patient_id)
    with door.transaction("outbox-list", f"Patient/{patient_id}") as tx:
        rows = tx.tables.outbox(patient_id=patient_id, limit=limit)
        tx.audit("outbox-list", patients=(patient_id,), entities=(f"Patient/{patient_id}",),
                 description=f"{len(rows)} tin nhắn / messages")  # fmt: skip
    return list(rows)


def message_of(row: Any) -> Message:
    """An outbox row (`hoso.store.booking_seats.OutboxRow`) as the sender takes it."""
    return Message(row.kind, row.recipient, row.body, row.patient_id, row.appointment_id,
                   row.due_us, row.dedupe_key, outbox_id=row.id)  # fmt: skip


def dispatch_due(door: Door, sender: Sender, now: Callable[[], int], *,
                 batch: int = 100) -> tuple[int, int]:  # fmt: skip
    """Deliver every message due by now, `batch` per transaction: (sent, failed). Only
    the operator (the server's own job) dispatches."""
    door.require_any((), "gửi tin nhắn đặt lịch / dispatch booking messages")
    sent = failed = 0
    while True:
        with door.transaction("dispatch", "booking:outbox") as tx:
            at = now()
            rows = tx.tables.due_messages(at, batch)
            for row in rows:
                ok = _deliver(sender, message_of(row))
                (tx.tables.mark_sent if ok else tx.tables.mark_failed)(row.id, at)
                sent, failed = sent + ok, failed + (not ok)
                tx.audit("dispatch", patients=(row.patient_id,) if row.patient_id else (),
                         entities=(f"Appointment/{row.appointment_id}" if row.appointment_id
                                   else "", f"outbox:{row.id}"),
                         description=f"{row.kind} → {masked(row.recipient)}: "
                                     f"{'đã gửi / sent' if ok else 'lỗi / failed'}")  # fmt: skip
        if len(rows) < batch:
            return sent, failed


def deliver_now(tx: Any, sender: Sender, message: Message, now_us: int) -> bool:
    """Queue `message` and deliver it at once in the caller's booking transaction `tx`
    (a one-time code cannot wait for the next dispatch run); whether it went. A key
    seen before delivers nothing again; the caller audits its own step. Call it last in
    the transaction: a rollback after it would forget a message already received."""
    tx.tables.enqueue([message], now_us)
    row = tx.tables.message_by_key(message.dedupe_key)
    if row is None or row.status != "pending":
        return False
    ok = _deliver(sender, message_of(row))
    (tx.tables.mark_sent if ok else tx.tables.mark_failed)(row.id, now_us)
    return ok


def _deliver(sender: Sender, message: Message) -> bool:
    try:
        sender.deliver(message)
    except Exception:  # a gateway's refusal fails this message, not the others
        log.exception("outbox #%s: the sender failed", message.outbox_id)
        return False
    return True
