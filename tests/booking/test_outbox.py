"""Delivering at once in the caller's transaction (one-time codes), once per key."""

from __future__ import annotations

from hoso.access.booking import BookingAccess
from hoso.booking.outbox import deliver_now
from hoso.booking.sender import Message
from hoso.core import clock
from hoso.store.sql_store import SqlStore
from tests.booking.dispatching import KeptSender, outbox
from tests.callers import as_caller


def test_deliver_now_sends_a_code_once_and_keeps_it_in_the_outbox(store: SqlStore) -> None:
    sender, now = KeptSender(), clock.now_us()
    code = Message("otp", "0912345678", "Mã xác nhận Hồ Sơ: 482913 / Your code: 482913",
                   None, None, now, "otp:session-1")  # fmt: skip
    with as_caller(store) as repo:
        door = BookingAccess(repo)
        with door.transaction("otp", "booking:otp") as tx:
            first = deliver_now(tx, sender, code, now)
        with door.transaction("otp", "booking:otp") as tx:
            again = deliver_now(tx, sender, code, now + 1)
    assert (first, again) == (True, False)
    assert [m.body for m in sender.delivered] == [code.body]
    assert sender.delivered[0].outbox_id is not None
    assert [(r["kind"], r["status"], r["sent_us"]) for r in outbox(store)] == [("otp", "sent", now)]
