"""The booking service on both databases: hold, book, cancel, reschedule, capacity under
64 concurrent bookers, a hold expiring at its instant, overbooking by staff only."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest
import sqlalchemy as sa

from hoso.access import claims as roles
from hoso.booking.service import BookRequest
from hoso.core import clock
from hoso.core.errors import Conflict, FhirError, Forbidden, InvalidRequest, ResourceNotFound
from hoso.store.booking_schema import bk_seat
from hoso.store.sql_store import SqlStore
from tests.booking.world import FAC, OTHER_FAC, booking_as, build_world
from tests.callers import as_caller, audit_subtypes, staff

URGENT = "Bệnh nặng cần khám ngay"


def _booked_seats(store: SqlStore, slot_id: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(bk_seat).where(
            bk_seat.c.slot_id == slot_id, bk_seat.c.state == "booked")).scalar_one())  # fmt: skip


def test_book_gives_a_booked_appointment_with_a_queue_number(store: SqlStore) -> None:
    world = build_world(store, capacity=2)
    slot = world.slot_ids()[0]
    with booking_as(store) as service:
        first = service.book(BookRequest(world.patients[0], slot_id=slot))
        second = service.book(BookRequest(world.patients[1], slot_id=slot))
        with pytest.raises(Conflict) as full:
            service.book(BookRequest(world.patients[2], slot_id=slot))
    assert first["status"] == second["status"] == "booked"
    numbers = [next(e["valueInteger"] for e in a["extension"] if e["url"].endswith("queue-number"))
               for a in (first, second)]  # fmt: skip
    assert numbers == [1, 2]
    assert first["slot"] == [{"reference": f"Slot/{slot}"}]
    assert full.value.issues[0].code == "conflict"
    assert _booked_seats(store, slot) == 2
    assert audit_subtypes(store).count("booking") >= 3


@pytest.mark.parametrize("capacity", [1, 5])
def test_64_concurrent_bookers_get_exactly_capacity(store: SqlStore, capacity: int) -> None:
    world = build_world(store, capacity=capacity, residents=64, days=1)
    slot = world.slot_ids()[0]
    start = threading.Barrier(64)
    outcomes: list[str] = []

    def book(pid: str) -> str:
        with booking_as(store) as service:
            start.wait()
            try:
                service.book(BookRequest(pid, slot_id=slot))
                return "booked"
            except Conflict:
                return "conflict"
            except FhirError as exc:  # anything else is a failure of the test
                return f"{exc.http_status}"

    with ThreadPoolExecutor(64) as pool:
        outcomes = list(pool.map(book, world.patients))
    assert outcomes.count("booked") == capacity
    assert outcomes.count("conflict") == 64 - capacity
    assert _booked_seats(store, slot) == capacity
    with store.engine.connect() as conn:
        numbers = sorted(r[0] for r in conn.execute(sa.text(
            "SELECT number FROM bk_queue_ticket WHERE state = 'waiting'")))  # fmt: skip
    assert numbers == list(range(1, capacity + 1))  # gap-free


def test_a_hold_stops_blocking_at_its_expiry_instant(store: SqlStore) -> None:
    world = build_world(store, capacity=1)
    slot = world.slot_ids()[0]
    t0 = clock.now_us()
    moment = {"now": t0}
    with booking_as(store, now=lambda: moment["now"]) as service:
        held = service.hold(BookRequest(world.patients[0], slot_id=slot))
        assert held["status"] == "pending"
        expiry = t0 + 10 * 60_000_000
        moment["now"] = expiry - 1
        with pytest.raises(Conflict):
            service.book(BookRequest(world.patients[1], slot_id=slot))
        moment["now"] = expiry  # no sweeper has run
        other = service.book(BookRequest(world.patients[1], slot_id=slot))
        assert other["status"] == "booked"
        with pytest.raises(Conflict):  # the first resident's hold is gone with its seat
            service.book(BookRequest(world.patients[0], appointment_id=held["id"]))


def test_a_live_hold_books_into_its_own_seat(store: SqlStore) -> None:
    world = build_world(store, capacity=1)
    slot = world.slot_ids()[0]
    with booking_as(store) as service:
        held = service.hold(BookRequest(world.patients[0], slot_id=slot))
        done = service.book(BookRequest(world.patients[0], appointment_id=held["id"]))
    assert done["id"] == held["id"] and done["status"] == "booked"
    assert not any(e["url"].endswith("hold-expires") for e in done["extension"])


def test_cancel_frees_the_seat_and_reschedule_is_one_transaction(store: SqlStore) -> None:
    world = build_world(store, capacity=1)
    a, b, c = world.slot_ids()[:3]
    with booking_as(store) as service:
        mine = service.book(BookRequest(world.patients[0], slot_id=a))
        service.book(BookRequest(world.patients[1], slot_id=c))
        with pytest.raises(Conflict):  # c is full: nothing changes
            service.reschedule(mine["id"], c)
        assert _booked_seats(store, a) == 1
        new, old = service.reschedule(mine["id"], b)
        assert old["status"] == "cancelled" and new["status"] == "booked"
        assert _booked_seats(store, a) == 0 and _booked_seats(store, b) == 1
        cancelled = service.cancel(new["id"], "Bận việc gia đình")
        assert cancelled["cancelationReason"]["text"] == "Bận việc gia đình"
        assert _booked_seats(store, b) == 0
        again = service.book(BookRequest(world.patients[2], slot_id=b))
    assert again["status"] == "booked"


def test_residents_book_only_for_themselves_and_see_the_same_404(store: SqlStore) -> None:
    world = build_world(store, capacity=3)
    slot = world.slot_ids()[0]
    me = staff(roles.RESIDENT)
    me = type(me)(me.claims, me.scopes, patients=frozenset({world.patients[0]}))
    with booking_as(store) as operator:
        theirs = operator.book(BookRequest(world.patients[1], slot_id=slot))
    with booking_as(store, me) as service:
        mine = service.book(BookRequest(world.patients[0], slot_id=slot, channel="app"))
        channel = next(e for e in mine["extension"] if e["url"].endswith("booking-channel"))
        assert channel["valueCoding"]["code"] == "app"
        with pytest.raises(Forbidden):
            service.book(BookRequest(world.patients[1], slot_id=slot))
        with pytest.raises(Forbidden):
            service.book(BookRequest("no-such-person", slot_id=slot))
        with pytest.raises(ResourceNotFound) as hidden:
            service.cancel(theirs["id"], "x")
        with pytest.raises(ResourceNotFound) as absent:
            service.cancel("no-such-appointment", "x")
    assert hidden.value.http_status == absent.value.http_status == 404
    assert "no-such" not in hidden.value.message


def test_overbooking_is_staff_of_the_facility_with_a_reason(store: SqlStore) -> None:
    world = build_world(store, capacity=1)
    slot = world.slot_ids()[0]
    with booking_as(store) as operator:
        operator.book(BookRequest(world.patients[0], slot_id=slot))
    centre = staff(roles.CALL_CENTRE)
    with booking_as(store, centre) as service, pytest.raises(Forbidden):
        service.book(BookRequest(world.patients[1], slot_id=slot, overbook_reason=URGENT))
    elsewhere = staff(roles.CLINICIAN, facility=OTHER_FAC)
    with booking_as(store, elsewhere) as service, pytest.raises(Forbidden):
        service.book(BookRequest(world.patients[1], slot_id=slot, overbook_reason=URGENT))
    doctor = staff(roles.CLINICIAN, facility=FAC)
    with booking_as(store, doctor) as service:
        with pytest.raises(InvalidRequest):
            service.book(BookRequest(world.patients[1], slot_id=slot, overbook_reason="gấp"))
        extra = service.book(BookRequest(world.patients[1], slot_id=slot,
                                         overbook_reason=URGENT))  # fmt: skip
    assert any(e["url"].endswith("overbook") for e in extra["extension"])
    assert _booked_seats(store, slot) == 2


def test_per_resident_limits(store: SqlStore) -> None:
    world = build_world(store, capacity=3, days=2)
    slots = world.slot_ids()
    with booking_as(store) as service:
        service.book(BookRequest(world.patients[0], slot_id=slots[0]))
        with pytest.raises(Conflict):  # same service, same day
            service.book(BookRequest(world.patients[0], slot_id=slots[1]))
        with pytest.raises(Conflict):  # the same slot twice
            service.book(BookRequest(world.patients[0], slot_id=slots[0]))


def test_find_ranks_free_slots_and_skips_full_ones(store: SqlStore) -> None:
    from hoso.booking.find import FindQuery

    world = build_world(store, capacity=1)
    slots = world.slot_ids()
    now = clock.now_us()
    with booking_as(store) as service:
        options = service.find(FindQuery(now, now + 14 * 86_400_000_000, ("kham-noi",)))
        assert {o.facility for o in options} == {FAC, OTHER_FAC}
        first = next(o for o in options if o.facility == FAC)
        assert first.slot_id == slots[0]
        service.book(BookRequest(world.patients[0], slot_id=slots[0]))
        again = service.find(FindQuery(now, now + 14 * 86_400_000_000, ("kham-noi",), (FAC,)))
    assert [o.slot_id for o in again] == [slots[1]]


def test_expired_holds_are_closed_by_the_sweep_and_only_the_operator_runs_it(
        store: SqlStore) -> None:  # fmt: skip
    world = build_world(store, capacity=2)
    slot = world.slot_ids()[0]
    moment = {"now": clock.now_us()}
    with booking_as(store, now=lambda: moment["now"]) as service:
        held = service.hold(BookRequest(world.patients[0], slot_id=slot))
        live = service.hold(BookRequest(world.patients[1], slot_id=world.slot_ids()[1]))
        assert service.expire_holds() == 0  # nothing has expired yet
        moment["now"] += 10 * 60_000_000
        assert service.expire_holds() == 2  # both were held for 10 minutes
    with booking_as(store, staff(roles.CALL_CENTRE)) as centre, pytest.raises(Forbidden):
        centre.expire_holds()
    with as_caller(store) as repo:
        for appointment in (held, live):
            stored = orjson.loads(repo.read("Appointment", appointment["id"]).content)
            assert stored["status"] == "cancelled"
            assert "giữ chỗ" in stored["cancelationReason"]["text"]
    with store.engine.connect() as conn:
        statuses = conn.execute(sa.text(
            "SELECT count(*) FROM bk_seat WHERE state <> 'free'")).scalar_one()  # fmt: skip
    assert statuses == 0


def test_one_resident_racing_themselves_books_once(store: SqlStore) -> None:
    """Eight requests of one resident for one Slot at once (a double tap, two phones):
    one booking, seven 409s, never a 5xx."""
    world = build_world(store, capacity=5, residents=1, days=1)
    slot = world.slot_ids()[0]
    start = threading.Barrier(8)

    def book(_: int) -> str:
        with booking_as(store) as service:
            start.wait()
            try:
                service.book(BookRequest(world.patients[0], slot_id=slot))
                return "booked"
            except Conflict:
                return "conflict"
            except FhirError as exc:
                return f"{exc.http_status}"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(book, range(8)))
    assert sorted(outcomes) == ["booked"] + ["conflict"] * 7
    assert _booked_seats(store, slot) == 1


def test_facility_staff_read_and_cancel_only_their_facilitys_bookings(store: SqlStore) -> None:
    """A clinician books anyone at their counter, but another facility's bookings of a
    resident are the same 404 as none, and the resident's whole list is not theirs."""
    world = build_world(store, capacity=2)
    pid = world.patients[0]
    here = world.slot_ids(FAC)[0]
    there = world.slot_ids(OTHER_FAC)[-1]  # the second day: one per service and day
    with booking_as(store) as operator:
        elsewhere = operator.book(BookRequest(pid, slot_id=there))
    doctor = staff(roles.CLINICIAN, facility=FAC)
    with booking_as(store, doctor) as service:
        mine = service.book(BookRequest(pid, slot_id=here))
        assert [a["id"] for a in service.upcoming(pid)] == [mine["id"]]
        with pytest.raises(ResourceNotFound):
            service.cancel(elsewhere["id"], "không phải của cơ sở này")
        assert service.cancel(mine["id"], "đổi ý")["status"] == "cancelled"
    with booking_as(store, staff(roles.CALL_CENTRE)) as centre:
        assert [a["id"] for a in centre.upcoming(pid)] == [elsewhere["id"]]
