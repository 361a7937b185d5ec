"""The city-wide `$find` query (`SqlBookingTables.first_free_per_service`, a skip scan
per service) answers what the general query (`available` with facilities named) does:
the earliest Slot with a free seat of each service, full Slots and live holds skipped,
an expired hold free again — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from hoso.booking.service import BookRequest
from hoso.core import clock
from hoso.store.sql_store import SqlStore
from tests.booking.world import FAC, OTHER_FAC, booking_as, build_world

_DAY = 86_400_000_000


def both_ways(store: SqlStore, now: int, types: tuple[str, ...] = ()) -> tuple[Any, Any]:
    window: dict[str, Any] = {"start_us": now, "end_us": now + 5 * _DAY, "now_us": now,
                              "service_types": types}  # fmt: skip
    with store.unit_of_work(check_references=False) as session:
        fast = session.booking.available(**window)
        general = session.booking.available(**window, facilities=(FAC, OTHER_FAC))
    return fast, general


def test_the_skip_scan_answers_as_the_general_query(store: SqlStore) -> None:
    world = build_world(store, capacity=1, residents=4, days=2)
    now = clock.now_us()
    fast, general = both_ways(store, now)
    assert fast == general and len(fast) == 2  # one service at each facility
    first = fast[0][0].slot_id
    with booking_as(store) as service:
        service.book(BookRequest(world.patients[0], slot_id=first))  # its only seat
        held = service.hold(BookRequest(world.patients[1], slot_id=fast[1][0].slot_id))
    fast, general = both_ways(store, now)
    assert fast == general
    assert first not in [row.slot_id for row, _ in fast]
    held_slot = held["slot"][0]["reference"].split("/", 1)[1]
    assert held_slot not in [row.slot_id for row, _ in fast]
    later = now + 11 * 60_000_000  # the hold (10 minutes) has expired: its seat is free
    fast, general = both_ways(store, later)
    assert fast == general
    assert held_slot in [row.slot_id for row, _ in fast]
    assert both_ways(store, now, ("kham-noi",)) == both_ways(store, now)
    assert both_ways(store, now, ("tiem-chung",)) == ([], [])
