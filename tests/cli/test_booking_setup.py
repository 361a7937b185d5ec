"""`hoso booking setup --all | --facility F` as the operator runs it, on SQLite and
PostgreSQL: a line per facility, the same run again creates nothing, an unknown code or
a missing choice exits 2. (The lead wires `register` into the `hoso booking` group; the
test builds that group itself.)"""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from hoso.access.repository import AccessRepository
from hoso.cli.booking_setup import register
from tests.booking.test_setup import write_network


def booking_group() -> typer.Typer:
    group = typer.Typer()

    @group.callback()
    def booking() -> None:
        """Đặt lịch / Booking (the group's stand-in)."""

    register(group)
    return group


def test_setup_all_then_again(repo: AccessRepository, database_url: str) -> None:
    levels = write_network(repo)
    runner, env, group = CliRunner(), {"HOSO_DATABASE_URL": database_url}, booking_group()
    first = runner.invoke(group, ["setup", "--all", "--json"], env=env)
    assert first.exit_code == 0, first.output
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    assert {line["facility"]: line["level"] for line in lines} == levels
    assert all(line["created"] > 0 for line in lines)
    again = runner.invoke(group, ["setup", "--all"], env=env)
    assert again.exit_code == 0, again.output
    assert f"facilities {len(levels)}, created 0, updated 0, unchanged" in again.stdout
    one = runner.invoke(group, ["setup", "--facility", sorted(levels)[0]], env=env)
    assert one.exit_code == 0 and "created 0" in one.stdout


def test_bad_choices_exit_2(repo: AccessRepository, database_url: str) -> None:
    write_network(repo)
    runner, env, group = CliRunner(), {"HOSO_DATABASE_URL": database_url}, booking_group()
    unknown = runner.invoke(group, ["setup", "--facility", "79998"], env=env)
    assert unknown.exit_code == 2 and "79998" in unknown.output
    neither = runner.invoke(group, ["setup"], env=env)
    assert neither.exit_code == 2 and "--all" in neither.output
