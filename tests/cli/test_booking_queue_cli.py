"""`hoso booking sweep | walk-in | check-in | numbers` (the `register(app)` of
hoso.cli.booking_queue on a group of its own here) as the operator runs them, on SQLite
and PostgreSQL: numbers printed, refusals exit 1 with the Vietnamese message first,
wrong options exit 2, the numbers as JSON and CSV."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from hoso.cli.booking_queue import register
from hoso.store.sql_store import SqlStore
from tests.booking.world import FAC, build_world

ROOM = f"room-{FAC}"


def test_the_queue_commands(store: SqlStore, database_url: str) -> None:
    world = build_world(store, residents=1, days=1)
    booking = typer.Typer()
    register(booking)
    runner, env = CliRunner(), {"HOSO_DATABASE_URL": database_url}

    def run(*args: str, code: int = 0) -> str:
        done = runner.invoke(booking, list(args), env=env)
        assert done.exit_code == code, done.output
        return done.output

    assert "Số 001 / number 001" in run("walk-in", "--room", ROOM)
    assert "Số 002" in run("walk-in", "--room", ROOM, "--patient", world.patients[0])
    assert "không thể tiếp đón" in run("check-in", "--room", ROOM, "--number", "1", code=1)
    assert "Không có số 009" in run("check-in", "--room", ROOM, "--number", "9", code=1)
    run("check-in", "--room", ROOM, "--number", "1", "--cccd", "079201001234", code=2)
    run("check-in", "--number", "1", code=2)
    assert "chưa có lịch" in run("walk-in", "--room", "room-none", code=1)
    assert json.loads(run("sweep")) == {"noshow": 0, "appointments": [], "holds_expired": 0}
    day = world.first.isoformat()
    answer = json.loads(run("numbers", "--from", day, "--to", day, "--facility", FAC))
    assert [(r["facility"], r["capacity"]) for r in answer["rows"]] == [(FAC, 16)]
    table = run("numbers", "--from", day, "--to", day, "--format", "csv")
    assert table.splitlines()[0].startswith("facility,service_type,day,capacity")
    assert len(table.splitlines()) == 3  # both facilities
    run("numbers", "--from", "01/12/2026", code=2)
