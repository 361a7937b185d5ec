"""The queue at a room on both databases: one gap-free sequence for booked and walk-in
numbers, the calling order under the N:1 rule, check-in → arrived → fulfilled, the
no-show sweep after the grace period and not before, other facilities refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import orjson
import pytest

from hoso.access import claims as roles
from hoso.access.booking import BookingAccess
from hoso.access.principal import Principal
from hoso.booking.calling import QUEUE_RULE, QueueRules
from hoso.booking.model import local_day_bounds
from hoso.booking.queue import QueueService
from hoso.booking.service import BookingRules, BookRequest
from hoso.core.errors import Conflict, Forbidden, InvalidRequest, ResourceNotFound
from hoso.store.sql_store import SqlStore
from tests.booking.world import FAC, OTHER_FAC, World, booking_as, build_world, patient
from tests.callers import OPERATOR, as_caller, audit_subtypes, staff

ROOM = f"room-{FAC}"
HOUR, MINUTE = 3_600_000_000, 60_000_000
CCCD = "079201001234"


@contextmanager
def queue_as(store: SqlStore, principal: Principal = OPERATOR, *, now: Callable[[], int],
             rules: QueueRules | None = None) -> Iterator[QueueService]:  # fmt: skip
    with as_caller(store, principal) as repo:
        yield QueueService(BookingAccess(repo), BookingRules(), rules,
                           cccd_system=repo.settings.cccd_system, now=now)  # fmt: skip


def at(world: World, hours: float) -> int:
    """An instant on the world's first day, `hours` after local midnight."""
    return local_day_bounds(world.first)[0] + int(hours * HOUR)


def book_all(world: World, slots: list[int], now: int) -> list[dict[str, object]]:
    """Book patient i into the world's slot `slots[i]` as the operator (the counter)."""
    ids = world.slot_ids()
    with booking_as(world.store, now=lambda: now) as service:
        return [service.book(BookRequest(world.patients[i], slot_id=ids[s]))
                for i, s in enumerate(slots)]  # fmt: skip


def number_of(appointment: dict[str, object]) -> int:
    ext = appointment["extension"]
    assert isinstance(ext, list)
    return next(e["valueInteger"] for e in ext if e["url"].endswith("queue-number"))


def status_of(store: SqlStore, appointment_id: str) -> str:
    with as_caller(store) as repo:
        return str(orjson.loads(repo.read("Appointment", appointment_id).content)["status"])


def test_booked_and_walk_in_numbers_are_one_gap_free_sequence(store: SqlStore) -> None:
    world = build_world(store, capacity=3, residents=4, days=1)
    now = at(world, 6)
    first = book_all(world, [0, 1], now)
    with queue_as(store, now=lambda: now) as queue:
        walk = queue.walk_in(ROOM)
        assert walk.kind == "walk-in" and walk.state == "arrived"
    with booking_as(store, now=lambda: now) as service:
        later = [service.book(BookRequest(world.patients[2], slot_id=world.slot_ids()[2]))]
    with queue_as(store, now=lambda: now) as queue:
        walk2 = queue.walk_in(ROOM, world.patients[3])
    numbers = [number_of(first[0]), number_of(first[1]), walk.number, number_of(later[0]),
               walk2.number]  # fmt: skip
    assert numbers == [1, 2, 3, 4, 5]
    assert walk.label == "003" and walk2.patient_id == world.patients[3]


def _arrive_all(store: SqlStore, numbers: list[int], now: int) -> None:
    with queue_as(store, now=lambda: now) as queue:
        for n in numbers:
            queue.check_in_number(ROOM, n)


def test_call_next_interleaves_two_booked_then_one_walk_in(store: SqlStore) -> None:
    world = build_world(store, capacity=4, residents=5, days=1)
    now = at(world, 6.5)
    booked = [number_of(a) for a in book_all(world, [0, 0, 1, 1, 2], now)]  # 1…5
    with queue_as(store, now=lambda: now) as queue:
        walk_ins = [queue.walk_in(ROOM).number for _ in range(3)]  # 6, 7, 8
    _arrive_all(store, booked, now)
    called: list[int] = []
    clock_ = {"now": now}
    with queue_as(store, now=lambda: clock_["now"]) as queue:
        while (ticket := queue.call_next(ROOM)) is not None:
            clock_["now"] += MINUTE
            called.append(ticket.number)
    assert booked == [1, 2, 3, 4, 5] and walk_ins == [6, 7, 8]
    # B B W B B W, then only walk-ins are left: the room does not idle.
    assert called == [1, 2, 6, 3, 4, 7, 5, 8]


def test_the_pattern_resumes_from_what_was_called_and_one_to_one(store: SqlStore) -> None:
    world = build_world(store, capacity=4, residents=4, days=1)
    now = at(world, 6.5)
    booked = [number_of(a) for a in book_all(world, [0, 0, 1, 1], now)]
    rule = QueueRules(booked_per_walkin=1)
    with queue_as(store, now=lambda: now, rules=rule) as queue:
        walk_ins = [queue.walk_in(ROOM).number for _ in range(2)]
    _arrive_all(store, booked, now)
    clock_ = {"now": now}
    order: list[int] = []
    for _ in range(4):  # a new service each call: nothing is remembered in Python
        with queue_as(store, now=lambda: clock_["now"], rules=rule) as queue:
            ticket = queue.call_next(ROOM)
            assert ticket is not None
            order.append(ticket.number)
            clock_["now"] += MINUTE
    assert order == [booked[0], walk_ins[0], booked[1], walk_ins[1]]


def test_check_in_arrives_and_done_fulfils(store: SqlStore) -> None:
    world = build_world(store, capacity=2, residents=2, days=1)
    now = at(world, 6.5)
    (appt,) = book_all(world, [0], now)
    with queue_as(store, now=lambda: now) as queue:
        with pytest.raises(Conflict):  # still waiting: it cannot be done before arriving
            queue.finish(ROOM, number_of(appt))
        arrived = queue.check_in_appointment(str(appt["id"]))
        assert arrived.state == "arrived"
        assert status_of(store, str(appt["id"])) == "arrived"
        with pytest.raises(Conflict):  # twice
            queue.check_in_number(ROOM, number_of(appt))
        called = queue.call_next(ROOM)
        assert called is not None and called.number == number_of(appt)
        assert queue.call_next(ROOM) is None
        done = queue.finish(ROOM, called.number)
    assert done.state == "done"
    assert status_of(store, str(appt["id"])) == "fulfilled"
    assert {"booking"} <= set(audit_subtypes(store))


def test_check_in_by_cccd_at_the_callers_facility(store: SqlStore) -> None:
    world = build_world(store, capacity=2, residents=2, days=1)
    resident = give_cccd(store)
    now = at(world, 6.5)
    (appt,) = book_all(world, [1], now)  # patient 0 into the second slot
    clerk = staff(roles.CLINICIAN, facility=FAC)
    with queue_as(store, clerk, now=lambda: now) as queue:
        with pytest.raises(InvalidRequest):
            queue.check_in_cccd("12345")
        (ticket,) = queue.check_in_cccd(CCCD)
        with pytest.raises(ResourceNotFound):  # nothing left waiting
            queue.check_in_cccd(CCCD)
    assert ticket.patient_id == world.patients[0] == resident
    assert status_of(store, str(appt["id"])) == "arrived"


def give_cccd(store: SqlStore) -> str:
    """Patient 0 of the world with the CCCD `CCCD`; their id."""
    resource = patient(0)
    with as_caller(store) as repo:
        resource["identifier"] = [{"system": repo.settings.cccd_system, "value": CCCD}]
        repo.update("Patient", "bk-p0", resource)
    return "bk-p0"


def test_sweep_marks_noshow_after_the_grace_period_not_before(store: SqlStore) -> None:
    world = build_world(store, capacity=2, residents=2, days=1)
    morning = at(world, 6)
    kept, missed = book_all(world, [0, 0], morning)  # the 07:00 slot
    _arrive_all(store, [number_of(kept)], morning)
    start = at(world, 7)
    grace = BookingRules().noshow_grace_minutes * MINUTE
    with queue_as(store, now=lambda: start + grace) as queue:
        assert queue.sweep_noshows().noshow == []  # exactly at the end of the grace
    assert status_of(store, str(missed["id"])) == "booked"
    with queue_as(store, now=lambda: start + grace + 1) as queue:
        report = queue.sweep_noshows(batch=1)
        again = queue.sweep_noshows()
    assert report.noshow == [missed["id"]] and again.noshow == []
    assert status_of(store, str(missed["id"])) == "noshow"
    assert status_of(store, str(kept["id"])) == "arrived"
    with queue_as(store, now=lambda: start + grace + 1) as queue, pytest.raises(Conflict):
        queue.check_in_number(ROOM, number_of(missed))


def test_another_facilitys_staff_and_the_call_centre_are_refused(store: SqlStore) -> None:
    world = build_world(store, capacity=2, residents=2, days=1)
    now = at(world, 6.5)
    (appt,) = book_all(world, [0], now)
    for caller in (staff(roles.CLINICIAN, facility=OTHER_FAC), staff(roles.CALL_CENTRE),
                   staff(roles.FACILITY_SYSTEM, facility=OTHER_FAC)):  # fmt: skip
        with queue_as(store, caller, now=lambda: now) as queue:
            with pytest.raises(Forbidden):
                queue.walk_in(ROOM)
            with pytest.raises(Forbidden):
                queue.check_in_number(ROOM, number_of(appt))
            with pytest.raises(Forbidden):
                queue.check_in_appointment(str(appt["id"]))
            with pytest.raises(Forbidden):
                queue.call_next(ROOM)
            with pytest.raises(Forbidden):
                queue.sweep_noshows()
    kiosk = staff(roles.FACILITY_SYSTEM, facility=FAC)  # the facility's own kiosk
    with queue_as(store, kiosk, now=lambda: now) as queue:
        assert queue.check_in_appointment(str(appt["id"])).state == "arrived"
        with pytest.raises(Forbidden):  # the sweep is the operator's job
            queue.sweep_noshows()
    assert "booking" in audit_subtypes(store, outcome="4")


def test_a_room_sets_its_own_ratio_on_its_location(store: SqlStore) -> None:
    world = build_world(store, capacity=4, residents=3, days=1)
    with as_caller(store) as repo:
        room = orjson.loads(repo.read("Location", ROOM).content)
        room["extension"] = [{"url": QUEUE_RULE, "valueUnsignedInt": 0}]  # by number
        repo.update("Location", ROOM, room)
    now = at(world, 6.5)
    with queue_as(store, now=lambda: now) as queue:
        walk = queue.walk_in(ROOM).number  # 1
    booked = [number_of(a) for a in book_all(world, [0, 1, 2], now)]  # 2, 3, 4
    _arrive_all(store, booked, now)
    with queue_as(store, now=lambda: now) as queue:  # the service's default is 2:1
        order = [queue.call_next(ROOM) for _ in range(4)]
    assert [t.number for t in order if t] == [walk, *booked]
