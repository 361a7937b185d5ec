"""Reminders 72 h and 2 h before a booked visit, planned from the change feed, voided
on cancel, new ones for a rescheduled booking; the outbox delivered once (both
databases)."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
import sqlalchemy as sa

from hoso.access import claims as roles
from hoso.access.booking import BookingAccess
from hoso.booking.messages import Visit
from hoso.booking.outbox import messages_for
from hoso.booking.reminders import awake, plan_reminders
from hoso.booking.sender import LogSender, Message, sender_named
from hoso.booking.service import BookRequest
from hoso.core import clock
from hoso.core.clock import VN_TZ
from hoso.core.errors import Forbidden
from hoso.store.feed_schema import feed_cursor
from hoso.store.sql_store import SqlStore
from tests.booking.dispatching import (
    HOUR,
    Clock,
    KeptSender,
    days_after,
    dispatching,
    outbox,
    slot_on,
)
from tests.booking.world import booking_as, build_world
from tests.callers import as_caller, audit_subtypes, staff


def test_a_booking_gets_reminders_72_and_2_hours_before(store: SqlStore) -> None:
    world = build_world(store, capacity=2, days=5)
    slot, start = slot_on(store, days_after(world.first, 3))  # 07:00, ≥ 72 h away
    with booking_as(store) as service:
        booked = service.book(BookRequest(world.patients[0], slot_id=slot))
    with dispatching(store, clock.now_us, KeptSender()) as jobs:
        report = jobs.run_once()
        again = jobs.run_once()  # the feed read once: nothing planned twice
    rows = outbox(store, booked["id"])
    # 72 h before is 07:00; 2 h before would be 05:00, so 21:00 the evening before.
    assert [r["due_us"] for r in rows] == [start - 72 * HOUR, start - 10 * HOUR]
    assert {r["kind"] for r in rows} == {"reminder"} and {r["status"] for r in rows} == {"pending"}
    assert {r["recipient"] for r in rows} == {"0900000000"}  # bk-p0's phone
    body = rows[0]["body"]
    day = days_after(world.first, 3).strftime("%d/%m/%Y")
    assert f"07:00 ngày {day}" in body and "Phòng khám 1, Bệnh viện thử 79001" in body
    assert "Số thứ tự của bạn: 001" in body and " / Reminder: Khám Nội tổng quát" in body
    assert report.reminder_changes >= 1 and again.reminder_changes == 0
    assert report.sent == 0  # not due yet
    with store.engine.connect() as conn:  # both cursors moved, their leases let go
        cursors = conn.execute(sa.select(feed_cursor.c.consumer, feed_cursor.c.position,
                                         feed_cursor.c.lease_owner)).all()  # fmt: skip
    assert {(c, owner) for c, _, owner in cursors} >= {("booking-reminders", None),
                                                       ("booking-waitlist", None)}  # fmt: skip
    assert all(position > 0 for c, position, _ in cursors if c.startswith("booking-"))
    assert "booking" in audit_subtypes(store)


def test_a_resident_reads_their_own_messages_only(store: SqlStore) -> None:
    world = build_world(store, capacity=2, days=1)
    slot, _ = slot_on(store, world.first)
    with booking_as(store) as service:
        service.book(BookRequest(world.patients[0], slot_id=slot))
    with dispatching(store, clock.now_us, KeptSender()) as jobs:
        jobs.run_once()
    me = staff(roles.RESIDENT)
    me = type(me)(me.claims, me.scopes, patients=frozenset({world.patients[0]}))
    with as_caller(store, me) as repo:
        mine = messages_for(BookingAccess(repo), world.patients[0])
        with pytest.raises(Forbidden):
            messages_for(BookingAccess(repo), world.patients[1])
    assert [(m.kind, m.recipient) for m in mine] == [("reminder", "0900000000")]


def test_a_reminder_already_past_when_booked_is_not_planned(store: SqlStore) -> None:
    world = build_world(store, capacity=2, days=1)
    slot, start = slot_on(store, world.first, 7)  # tomorrow 10:30: less than 72 h away
    with booking_as(store) as service:
        booked = service.book(BookRequest(world.patients[0], slot_id=slot))
    with dispatching(store, clock.now_us, KeptSender()) as jobs:
        jobs.run_once()
    assert [r["due_us"] for r in outbox(store, booked["id"])] == [start - 2 * HOUR]


def test_cancel_voids_the_pending_reminders(store: SqlStore) -> None:
    world = build_world(store, capacity=2, days=5)
    slot, _ = slot_on(store, days_after(world.first, 3))
    with booking_as(store) as service:
        booked = service.book(BookRequest(world.patients[0], slot_id=slot))
    with dispatching(store, clock.now_us, KeptSender()) as jobs:
        jobs.run_once()
        with booking_as(store) as service:
            service.cancel(booked["id"], "Bận việc")
        jobs.run_once()
    assert [r["status"] for r in outbox(store, booked["id"])] == ["void", "void"]


def test_a_rescheduled_booking_gets_new_reminders(store: SqlStore) -> None:
    world = build_world(store, capacity=2, days=6)
    old_slot, _ = slot_on(store, days_after(world.first, 3), 7)
    new_slot, new_start = slot_on(store, days_after(world.first, 4), 7)
    with booking_as(store) as service:
        booked = service.book(BookRequest(world.patients[0], slot_id=old_slot))
        new, old = service.reschedule(booked["id"], new_slot)
    with dispatching(store, clock.now_us, KeptSender()) as jobs:
        jobs.run_once()  # booked, then cancelled, then the new one: in commit order
    assert old["status"] == "cancelled"
    assert [r["status"] for r in outbox(store, booked["id"])] == ["void", "void"]
    fresh = outbox(store, new["id"])
    assert [r["due_us"] for r in fresh] == [new_start - 72 * HOUR, new_start - 2 * HOUR]
    assert all(str(new_start) in r["dedupe_key"] for r in fresh)
    assert {r["status"] for r in fresh} == {"pending"}


def test_dispatch_delivers_each_due_message_once(store: SqlStore) -> None:
    world = build_world(store, capacity=2, days=5)
    slot, start = slot_on(store, days_after(world.first, 3), 7)  # 10:30
    with booking_as(store) as service:
        booked = service.book(BookRequest(world.patients[0], slot_id=slot))
    sender = KeptSender()
    time = Clock(clock.now_us())
    with dispatching(store, time.now, sender) as jobs:
        jobs.run_once()  # planned, nothing due
        assert sender.delivered == []
        time.at = start - 72 * HOUR + 1  # the first is due
        first = jobs.run_once()
        second = jobs.run_once()
        time.at = start - 2 * HOUR  # and the second
        third = jobs.run_once()
    assert (first.sent, second.sent, third.sent) == (1, 0, 1)
    assert [m.dedupe_key.split(":")[2] for m in sender.delivered] == ["72h", "2h"]
    assert all(m.outbox_id is not None and m.appointment_id == booked["id"]
               for m in sender.delivered)  # fmt: skip
    rows = outbox(store, booked["id"])
    assert [r["status"] for r in rows] == ["sent", "sent"]
    assert [r["sent_us"] for r in rows] == [start - 72 * HOUR + 1, start - 2 * HOUR]


def test_a_sender_that_fails_marks_the_message_failed(store: SqlStore) -> None:
    world = build_world(store, capacity=2, days=1)
    slot, start = slot_on(store, world.first, 7)
    with booking_as(store) as service:
        booked = service.book(BookRequest(world.patients[0], slot_id=slot))

    class Refusing:
        def deliver(self, message: Message) -> None:
            raise RuntimeError("gateway down")

    time = Clock(clock.now_us())
    with dispatching(store, time.now, Refusing()) as jobs:
        jobs.run_once()
        time.at = start - HOUR
        report = jobs.run_once()
    assert (report.sent, report.failed) == (0, 1)
    assert [r["status"] for r in outbox(store, booked["id"])] == ["failed"]


def test_plan_skips_what_passed_and_sends_only_the_latest_overdue() -> None:
    start = _local_us(datetime(2030, 3, 18, 10, 0))
    visit = Visit("a1", "p1", start, None, None, 3)
    early = plan_reminders(visit, "0912345678", "x", booked_us=start - 100 * HOUR,
                           now_us=start - 100 * HOUR)  # fmt: skip
    assert [m.due_us for m in early] == [start - 72 * HOUR, start - 2 * HOUR]
    # The worker lagged past both instants: one reminder, the 2-hour one, now.
    late = plan_reminders(visit, "0912345678", "x", booked_us=start - 100 * HOUR,
                          now_us=start - HOUR)  # fmt: skip
    assert [m.dedupe_key for m in late] == [f"reminder:a1:2h:{start}"]
    assert plan_reminders(visit, "0912345678", "x", booked_us=start - 100 * HOUR,
                          now_us=start + 1) == []  # fmt: skip


def _local_us(moment: datetime) -> int:
    return int(moment.replace(tzinfo=VN_TZ).timestamp() * 1_000_000)


def test_a_reminder_due_in_the_night_is_sent_the_evening_before() -> None:
    assert awake(_local_us(datetime(2030, 3, 18, 7, 0))) == _local_us(datetime(2030, 3, 18, 7, 0))
    assert awake(_local_us(datetime(2030, 3, 18, 21, 59))) == _local_us(
        datetime(2030, 3, 18, 21, 59))  # fmt: skip
    evening = _local_us(datetime(2030, 3, 17, 21, 0))
    assert awake(_local_us(datetime(2030, 3, 18, 5, 0))) == evening
    assert awake(_local_us(datetime(2030, 3, 17, 23, 30))) == evening


def test_the_log_sender_names_the_message_and_masks_the_phone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = Message("otp", "0912345678", "Mã xác nhận: 482913", "p1", None, 0, "otp:1", 7)
    with caplog.at_level(logging.INFO, logger="hoso.booking.sender"):
        LogSender().deliver(message)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "hoso.booking.sender"]
    assert "#7 otp" in line and "…678" in line and "482913" in line
    assert "0912345678" not in line


def test_the_sender_is_chosen_by_name() -> None:
    assert isinstance(sender_named("log"), LogSender)
    assert isinstance(sender_named("hoso.booking.sender:LogSender"), LogSender)
    assert isinstance(sender_named("tests.booking.dispatching:KeptSender"), KeptSender)
    with pytest.raises(ValueError, match="HOSO_BOOKING_SENDER"):
        sender_named("no.such.module:Gateway")
    with pytest.raises(ValueError, match="deliver"):
        sender_named("collections:OrderedDict")  # builds, but delivers nothing
