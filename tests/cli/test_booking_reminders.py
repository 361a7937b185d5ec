"""`hoso booking dispatch` and `hoso booking waitlist add|list` on both databases, run
in-process on a Typer group the way `hoso booking` registers them."""

from __future__ import annotations

import logging

import pytest
import typer
from typer.testing import CliRunner

from hoso.booking.service import BookRequest
from hoso.cli.booking_reminders import register
from hoso.store.sql_store import SqlStore
from tests.booking.dispatching import outbox, slot_on
from tests.booking.world import booking_as, build_world, patient
from tests.callers import as_caller


def _run(database_url: str, *args: str) -> tuple[int, str]:
    app = typer.Typer()
    register(app)
    env = {"HOSO_DATABASE_URL": database_url, "HOSO_AUDIT_SPOOL_DIR": "",
           "HOSO_BOOKING_SENDER": "log"}  # fmt: skip
    done = CliRunner().invoke(app, list(args), env=env)
    return done.exit_code, done.output


def test_waitlist_add_list_and_dispatch(store: SqlStore, database_url: str,
                                        caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    caplog.set_level(logging.INFO, logger="hoso.booking.sender")
    world = build_world(store, capacity=1, residents=2, days=1)
    slot, _ = slot_on(store, world.first, 7)  # 10:30: its 2-hour reminder is not in the night
    with booking_as(store) as service:
        booked = service.book(BookRequest(world.patients[0], slot_id=slot))
    day = world.first.strftime("%d/%m/%Y")
    code, out = _run(database_url, "waitlist", "add", "--patient", world.patients[1],
                     "--service", "kham-noi", "--from", day, "--to", day)  # fmt: skip
    assert code == 0, out
    assert f"Patient/{world.patients[1]} kham-noi {day}–{day}" in out
    code, out = _run(database_url, "waitlist", "add", "--service", "kham-noi", "--from", day,
                     "--to", "31/02/2026", "--cccd", "1")  # fmt: skip
    assert code == 2 and "dd/mm/yyyy" in out
    code, out = _run(database_url, "dispatch")
    assert code == 0 and "đã gửi / sent: 0" in out, out
    assert [r["kind"] for r in outbox(store, booked["id"])] == ["reminder"]
    with booking_as(store) as service:
        service.cancel(booked["id"], "Bận việc")
    code, out = _run(database_url, "dispatch")
    assert code == 0 and "đã gửi / sent: 1" in out, out
    (line,) = [r.getMessage() for r in caplog.records if r.name == "hoso.booking.sender"]
    assert " offer → …001: Hồ Sơ: có chỗ trống Khám Nội tổng quát" in line  # bk-p1's phone
    code, out = _run(database_url, "waitlist", "list", "--state", "offered")
    rows = [line.split("\t") for line in out.splitlines()[1:]]
    assert [(r[1], r[6]) for r in rows] == [(world.patients[1], "offered")], out
    assert [r["status"] for r in outbox(store, rows[0][7])] == ["sent"]


def test_waitlist_add_finds_the_resident_by_cccd(store: SqlStore, database_url: str) -> None:
    world = build_world(store, capacity=1, residents=1, days=1)
    with as_caller(store) as repo:
        known = {**patient(7), "gender": "male", "birthDate": "1985-01-02", "identifier": [
            {"system": repo.settings.cccd_system, "value": "079085012345"}]}  # fmt: skip
        repo.update("Patient", "bk-p7", known)
    day = world.first.strftime("%d/%m/%Y")
    code, out = _run(database_url, "waitlist", "add", "--cccd", "079085012345", "--service",
                     "kham-noi", "--from", day, "--to", day, "--facility", "79001")  # fmt: skip
    assert code == 0 and "Patient/bk-p7" in out, out
    code, out = _run(database_url, "waitlist", "add", "--cccd", "079085099999", "--service",
                     "kham-noi", "--from", day, "--to", day)  # fmt: skip
    assert code == 2 and "CCCD" in out
