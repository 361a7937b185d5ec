"""The booking numbers on both databases, hand-counted on a small world: one day at
facility 79001 (8 Slots × 2 seats), four bookings on three channels, one cancelled, one
checked in, one no-show after the sweep, one not yet due; who may see which facility."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hoso.access import claims as roles
from hoso.access.booking import BookingAccess
from hoso.access.principal import Principal
from hoso.booking import numbers
from hoso.booking.numbers import BookingNumbers, nearest_rank
from hoso.booking.service import BookRequest
from hoso.core.errors import Forbidden, InvalidRequest
from hoso.store.sql_store import SqlStore
from tests.booking.test_queue import MINUTE, ROOM, at, number_of, queue_as
from tests.booking.world import FAC, OTHER_FAC, World, booking_as, build_world
from tests.callers import OPERATOR, as_caller, staff


def _numbers(store: SqlStore, world: World, principal: Principal = OPERATOR,
             facilities: tuple[str, ...] = ()) -> tuple[list[dict], list[dict]]:  # fmt: skip
    with as_caller(store, principal) as repo:
        rows, totals = BookingNumbers(BookingAccess(repo)).compute(
            facilities, world.first, world.first)  # fmt: skip
    return [r.to_json() for r in rows], [r.to_json() for r in totals]


def _small_world(store: SqlStore) -> World:
    world = build_world(store, capacity=2, residents=5, days=1)
    ids, other = world.slot_ids(), world.slot_ids(OTHER_FAC)
    p = world.patients
    plan = [(6.0, p[0], ids[0], "web"), (6.0, p[1], ids[0], "app"),
            (6.5, p[2], ids[2], "call-centre"), (6.0, p[3], ids[3], "web"),
            (6.0, p[4], other[0], "web")]  # fmt: skip
    booked = []
    for hours, patient, slot, channel in plan:
        with booking_as(store, now=lambda h=hours: at(world, h)) as service:
            booked.append(service.book(BookRequest(patient, slot_id=slot, channel=channel)))
    with booking_as(store, now=lambda: at(world, 6.2)) as service:
        service.cancel(str(booked[3]["id"]), "Bận việc / busy")
    with queue_as(store, now=lambda: at(world, 6.8)) as queue:
        queue.check_in_number(ROOM, number_of(booked[0]))
    with queue_as(store, now=lambda: at(world, 7.5) + MINUTE) as queue:
        swept = queue.sweep_noshows().noshow  # both facilities' 07:00 bookings not in
    assert sorted(swept) == sorted([booked[1]["id"], booked[4]["id"]])
    return world


@pytest.mark.parametrize("chunk", [200, 2])  # 2: the Appointments come in three searches
def test_the_numbers_of_a_small_world_by_hand(store: SqlStore, chunk: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(numbers, "CHUNK", chunk)
    world = _small_world(store)
    rows, totals = _numbers(store, world)
    mine = [r for r in rows if r["facility"] == FAC]
    assert mine == [{
        "facility": FAC, "service_type": "kham-noi", "day": world.first.isoformat(),
        "capacity": 16, "booked_seats": 3, "utilisation": 0.1875,
        "bookings": 4, "cancelled": 1, "attended": 1, "noshow": 1, "noshow_rate": 0.5,
        # 07:00 − 06:00 twice, 08:00 − 06:30; the cancelled booking is not counted
        "lead_median_minutes": 60, "lead_p90_minutes": 90,
        "channels": {"app": 1, "call-centre": 1, "web": 2},
    }]  # fmt: skip
    theirs = next(r for r in rows if r["facility"] == OTHER_FAC)
    assert (theirs["bookings"], theirs["booked_seats"], theirs["noshow_rate"]) == (1, 1, 1.0)
    total = next(t for t in totals if t["facility"] == FAC)
    assert total["day"] == "" and total["bookings"] == 4 and total["noshow_rate"] == 0.5


def test_who_sees_which_facility(store: SqlStore) -> None:
    world = _small_world(store)
    clerk = staff(roles.CLINICIAN, facility=FAC)
    rows, _ = _numbers(store, world, clerk)
    assert {r["facility"] for r in rows} == {FAC}
    with pytest.raises(Forbidden):
        _numbers(store, world, clerk, (OTHER_FAC,))
    officer = staff(roles.OFFICER, ("user/*.rs",))
    rows, _ = _numbers(store, world, officer, (OTHER_FAC,))
    assert {r["facility"] for r in rows} == {OTHER_FAC}
    for refused in (staff(roles.CALL_CENTRE), staff(roles.RESIDENT)):
        with pytest.raises(Forbidden):
            _numbers(store, world, refused)


def test_the_period_is_bounded(store: SqlStore) -> None:
    world = build_world(store, days=1)
    with as_caller(store) as repo, pytest.raises(InvalidRequest):
        BookingNumbers(BookingAccess(repo)).compute((), world.first,
                                                    world.first - timedelta(days=1))  # fmt: skip


def test_nearest_rank() -> None:
    assert nearest_rank([], 0.5) is None
    assert nearest_rank([30.0], 0.9) == 30.0
    assert nearest_rank([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert nearest_rank([float(n) for n in range(1, 11)], 0.9) == 9.0
