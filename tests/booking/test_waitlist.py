"""The waitlist on both databases: a cancelled seat offered to the first waiting
resident as a 15-minute hold with an offer in the outbox, taken by booking the held
Appointment, or passed to the next resident when the 15 minutes are over."""

from __future__ import annotations

from datetime import date

import pytest

from hoso.access import claims as roles
from hoso.access.booking import BookingAccess
from hoso.access.principal import Principal
from hoso.booking.service import BookRequest
from hoso.booking.waitlist import Waitlist, WaitRequest
from hoso.core import clock
from hoso.core.errors import Conflict, Forbidden, InvalidRequest
from hoso.store.sql_store import SqlStore
from tests.booking.dispatching import (
    MINUTE,
    Clock,
    KeptSender,
    dispatching,
    outbox,
    slot_on,
    waitlist,
)
from tests.booking.world import World, booking_as, build_world
from tests.callers import as_caller, staff


def resident(patient_id: str) -> Principal:
    me = staff(roles.RESIDENT)
    return type(me)(me.claims, me.scopes, patients=frozenset({patient_id}))


def join(store: SqlStore, principal: Principal, patient_id: str, day: date, **kw: str) -> int:
    with as_caller(store, principal) as repo:
        entry = Waitlist(BookingAccess(repo)).join(WaitRequest(patient_id, "kham-noi", day, day,
                                                               **kw))  # fmt: skip
    return int(entry.id)


def full_slot(store: SqlStore, world: World) -> tuple[str, dict[str, object]]:
    """A capacity-1 slot booked by bk-p0; p1 and p2 join the waitlist in that order."""
    slot, _ = slot_on(store, world.first)
    with booking_as(store) as service:
        booked = service.book(BookRequest(world.patients[0], slot_id=slot))
    join(store, resident(world.patients[1]), world.patients[1], world.first)
    centre = staff(roles.CALL_CENTRE)
    join(store, centre, world.patients[2], world.first, facility="79001", phone="0987654321")
    return slot, booked


def test_a_cancelled_seat_is_offered_to_the_first_waiting_resident(store: SqlStore) -> None:
    world = build_world(store, capacity=1, residents=3, days=1)
    slot, booked = full_slot(store, world)
    time, sender = Clock(clock.now_us()), KeptSender()
    with dispatching(store, time.now, sender) as jobs:
        jobs.run_once()
        assert [e["state"] for e in waitlist(store)] == ["waiting", "waiting"]  # no seat yet
        with booking_as(store) as service:
            service.cancel(booked["id"], "Bận việc")
        report = jobs.run_once()
    first, second = waitlist(store)
    assert (first["state"], second["state"]) == ("offered", "waiting")
    assert first["offer_expires_us"] == time.at + 15 * MINUTE
    offers = outbox(store, first["offered_appointment_id"])
    assert [(o["kind"], o["recipient"], o["status"]) for o in offers] == [
        ("offer", "0900000001", "sent")]  # fmt: skip
    assert "Chỗ được giữ cho bạn đến" in offers[0]["body"] and "Phòng khám 1" in offers[0]["body"]
    assert [m.kind for m in sender.delivered] == ["offer"] and report.sent == 1
    # The resident takes it by booking the held Appointment.
    held = str(first["offered_appointment_id"])
    with booking_as(store, resident(world.patients[1])) as service:
        taken = service.book(BookRequest(world.patients[1], appointment_id=held))
    assert taken["status"] == "booked" and taken["slot"] == [{"reference": f"Slot/{slot}"}]
    with dispatching(store, time.now, sender) as jobs:
        jobs.run_once()
    assert [e["state"] for e in waitlist(store)] == ["booked", "waiting"]


def test_an_offer_not_taken_in_15_minutes_goes_to_the_next(store: SqlStore) -> None:
    world = build_world(store, capacity=1, residents=3, days=1)
    _, booked = full_slot(store, world)
    time = Clock(clock.now_us())
    with booking_as(store) as service:
        service.cancel(booked["id"], "Bận việc")
    with dispatching(store, time.now, KeptSender()) as jobs:
        jobs.run_once()
        first = waitlist(store)[0]
        time.at += 14 * MINUTE  # still held for the first
        early = jobs.run_once()
        assert [e["state"] for e in waitlist(store)] == ["offered", "waiting"]
        time.at += 2 * MINUTE  # 16 minutes: the first offer lapsed
        late = jobs.run_once()
    assert (early.offers_lapsed, late.offers_lapsed) == (0, 1)
    one, two = waitlist(store)
    assert (one["state"], two["state"]) == ("expired", "offered")
    assert two["offered_appointment_id"] != first["offered_appointment_id"]
    assert two["offer_expires_us"] == time.at + 15 * MINUTE
    offer = outbox(store, two["offered_appointment_id"])
    assert [(o["kind"], o["recipient"]) for o in offer] == [("offer", "0987654321")]
    # The first resident's hold is over: booking it now finds the seat taken.
    with booking_as(store, resident(world.patients[1]), now=time.now) as service, \
            pytest.raises(Conflict):  # fmt: skip
        service.book(BookRequest(world.patients[1],
                                 appointment_id=first["offered_appointment_id"]))  # fmt: skip


def test_a_resident_joins_only_for_themselves_once_per_service(store: SqlStore) -> None:
    world = build_world(store, capacity=1, residents=3, days=1)
    me = resident(world.patients[0])
    join(store, me, world.patients[0], world.first)
    with pytest.raises(Forbidden):
        join(store, me, world.patients[1], world.first)
    with pytest.raises(Conflict):
        join(store, me, world.patients[0], world.first)
    with pytest.raises(InvalidRequest), as_caller(store, me) as repo:
        Waitlist(BookingAccess(repo)).join(WaitRequest(
            world.patients[0], "kham-mat", world.first, date(2000, 1, 1)))  # fmt: skip
    with as_caller(store, me) as repo:
        mine = Waitlist(BookingAccess(repo)).entries(world.patients[0])
        with pytest.raises(Forbidden):
            Waitlist(BookingAccess(repo)).entries(None)
        assert Waitlist(BookingAccess(repo)).withdraw(world.patients[0], mine[0].id)
    assert [e.phone for e in mine] == ["0900000000"]
    assert [e["state"] for e in waitlist(store)] == ["withdrawn"]
