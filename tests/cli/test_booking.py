"""`hoso booking slots` as the operator runs it, on SQLite and PostgreSQL: the Slots of
the facility's Schedules for the days asked, none on a public holiday, nothing new the
second time, and a bad day or an unknown facility exits 2 with the reason."""

from __future__ import annotations

from datetime import date, timedelta

import orjson
from typer.testing import CliRunner

from hoso.booking.calendar import is_holiday
from hoso.cli import app
from hoso.store.sql_store import SqlStore
from tests.booking.world import FAC, build_world


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def test_slots_are_published_once_and_never_on_a_holiday(store: SqlStore,
                                                         database_url: str) -> None:  # fmt: skip
    world = build_world(store, capacity=2, days=1)
    runner, env = CliRunner(), {"HOSO_DATABASE_URL": database_url}
    tet = date(2027, 2, 6)  # Mùng 1 Tết Đinh Mùi, inside the holiday
    assert is_holiday(tet) is not None

    def run(first: date, last: date, facility: str = FAC) -> dict[str, object]:
        done = runner.invoke(app, ["booking", "slots", "--facility", facility,
                                   "--from", _day(first), "--to", _day(last)], env=env)  # fmt: skip
        assert done.exit_code == 0, done.output
        return orjson.loads(done.output.strip().splitlines()[-1])

    second = world.first + timedelta(days=1)
    report = run(world.first, second)
    assert report["slots_known"] == 8  # the first day was published by the world
    expected = 0 if is_holiday(second) else 8  # 07:00–11:00 in 30-minute slots
    assert report["slots_created"] == expected
    assert run(world.first, second)["slots_created"] == 0
    assert run(tet, tet)["slots_created"] == 0
    bad = runner.invoke(app, ["booking", "slots", "--facility", FAC, "--from", "32/13/2026",
                              "--to", "01/01/2027"], env=env)  # fmt: skip
    assert bad.exit_code == 2 and "dd/mm/yyyy" in bad.output
    day = _day(world.first)
    unknown = runner.invoke(app, ["booking", "slots", "--facility", "00000", "--from", day,
                                  "--to", day], env=env)  # fmt: skip
    assert unknown.exit_code == 2 and "Không tìm thấy" in unknown.output
