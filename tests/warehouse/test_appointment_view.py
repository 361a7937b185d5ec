"""The warehouse's `appointment` table over a built snapshot (SQLite and PostgreSQL):
one row per Appointment, de-identified like the other tables (pseudonymous ids that
join the patient table, the day without its time), and the documented no-show rate by
facility (`hoso.warehouse.appointments.NOSHOW_BY_FACILITY`) counted by hand."""

from __future__ import annotations

from pathlib import Path

from hoso.booking.service import BookRequest
from hoso.store.sql_store import SqlStore
from hoso.warehouse.appointments import NOSHOW_BY_FACILITY
from hoso.warehouse.catalog import table
from hoso.warehouse.query import run_query
from hoso.warehouse.snapshots import Warehouse
from tests.booking.test_queue import MINUTE, ROOM, at, number_of, queue_as
from tests.booking.world import FAC, OTHER_FAC, booking_as, build_world
from tests.callers import as_caller
from tests.warehouse.city import builder, contents


def test_the_appointment_table_and_the_noshow_rate_by_facility(store: SqlStore,
                                                              tmp_path: Path) -> None:  # fmt: skip
    world = build_world(store, capacity=2, residents=4, days=1)
    ids, other = world.slot_ids(), world.slot_ids(OTHER_FAC)
    p = world.patients
    with booking_as(store, now=lambda: at(world, 6)) as service:
        came = service.book(BookRequest(p[0], slot_id=ids[0], channel="web"))
        missed = service.book(BookRequest(p[1], slot_id=ids[0], channel="app"))
        service.book(BookRequest(p[2], slot_id=other[0], channel="call-centre"))
        later = service.book(BookRequest(p[3], slot_id=ids[6], channel="web"))  # 10:00
    with queue_as(store, now=lambda: at(world, 6.9)) as queue:
        queue.check_in_number(ROOM, number_of(came))
        assert queue.call_next(ROOM) is not None
        queue.finish(ROOM, number_of(came))
    with queue_as(store, now=lambda: at(world, 7.5) + MINUTE) as queue:
        assert len(queue.sweep_noshows().noshow) == 2  # 79001's and 79002's 07:00
    with as_caller(store) as repo:
        builder(repo, tmp_path).full()
    snapshot = Warehouse(tmp_path).current()
    assert snapshot is not None
    spec = table("appointment")
    rows = [dict(zip(spec.output_columns, r, strict=True))
            for r in contents(snapshot)["appointment"]]  # fmt: skip
    patients = {r[0] for r in contents(snapshot)["patient"]}
    assert len(rows) == 4
    assert {r["patient_id"] for r in rows} <= patients  # pseudonyms that join
    assert not {r["id"] for r in rows} & {came["id"], missed["id"], later["id"]}
    assert not {r["patient_id"] for r in rows} & set(p)
    by_status = sorted((r["facility"], r["status"], r["channel"]) for r in rows)
    assert by_status == [(FAC, "booked", "web"), (FAC, "fulfilled", "web"),
                         (FAC, "noshow", "app"), (OTHER_FAC, "noshow", "call-centre")]  # fmt: skip
    day = world.first.isoformat()
    assert {(r["start"], r["service_type"], r["location_id"]) for r in rows if
            r["facility"] == FAC} == {(day, "kham-noi", ROOM)}  # the day, no time  # fmt: skip
    assert {r["slot_id"] for r in rows} == {ids[0], other[0], ids[6]}
    assert all(r["period"] == day[:7] for r in rows)
    result = run_query(snapshot, NOSHOW_BY_FACILITY)
    assert result.columns == ["facility", "noshow", "judged", "noshow_rate"]
    assert [tuple(r) for r in result.rows] == [(FAC, 1, 2, 0.5), (OTHER_FAC, 1, 1, 1.0)]
