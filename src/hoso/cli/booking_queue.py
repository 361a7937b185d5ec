"""`hoso booking sweep | walk-in | check-in | numbers`: the queue's timer job and the
counter's steps on the server's machine, as the operator (docs/booking-queue.md).

- `sweep`: mark `noshow` the booked Appointments not checked in whose slot started more
  than the grace period ago (`BookingRules.noshow_grace_minutes`); run it every few
  minutes from a timer (systemd timer, cron). Idempotent: a second run finds nothing.
- `walk-in --room R [--patient P]`: a walk-in number at room R (its Location id).
- `check-in --room R --number N` | `--cccd C` | `--appointment A`: today's booked ticket.
- `numbers [--facility F]… [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format json|csv]`.
`register(app)` adds them to the `hoso booking` group.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store

if TYPE_CHECKING:
    from hoso.booking.queue import QueueService

__all__ = ["check_in", "numbers", "register", "sweep", "walk_in"]

T = TypeVar("T")

Room = Annotated[str, typer.Option("--room", help="Mã phòng (Location id) / room (Location id)")]


def _as_operator(database_url: str | None, step: Callable[[Any], T]) -> T:
    """`step(the queue | the numbers door)` as the operator; a refusal exits 1 with its
    message (Vietnamese first)."""
    from hoso.core.errors import FhirError

    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            return step(repo)
    except FhirError as exc:
        fail(exc.message, code=1)
    finally:
        store.engine.dispose()


def _queue(database_url: str | None, step: Callable[[QueueService], T]) -> T:
    from hoso.assembly import booking_queue

    return _as_operator(database_url, lambda repo: step(booking_queue(repo)))


def sweep(database_url: DatabaseUrl = None) -> None:
    """Đánh dấu vắng mặt sau thời gian chờ, đóng lịch giữ chỗ hết hạn / Mark no-shows after
    the grace period; close expired holds' Appointments."""
    from hoso.assembly import booking_queue, booking_service

    def both(repo: Any) -> dict[str, Any]:
        report = booking_queue(repo).sweep_noshows().to_json()
        return {**report, "holds_expired": booking_service(repo).expire_holds()}

    typer.echo(json.dumps(_as_operator(database_url, both), ensure_ascii=False))


def walk_in(room: Room, patient: Annotated[str | None, typer.Option(
        "--patient", help="Patient id nếu đã có / if known")] = None,
        database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Cấp số vãng lai / Give a walk-in number."""
    ticket = _queue(database_url, lambda q: q.walk_in(room, patient))
    typer.echo(f"Số {ticket.label} / number {ticket.label}")


def check_in(room: Annotated[str | None, typer.Option("--room", help="Location id")] = None,
             number: Annotated[int | None, typer.Option("--number")] = None,
             cccd: Annotated[str | None, typer.Option("--cccd")] = None,
             appointment: Annotated[str | None, typer.Option("--appointment")] = None,
             database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Tiếp đón lịch hẹn hôm nay / Check in today's appointment."""
    if sum(x is not None for x in (number, cccd, appointment)) != 1:
        fail("Cần đúng một trong --number, --cccd, --appointment / give exactly one of "
             "--number, --cccd, --appointment")  # fmt: skip
    if appointment is not None:
        found = _queue(database_url, lambda q: [q.check_in_appointment(appointment)])
    elif room is None:
        fail("--room là bắt buộc với --number và --cccd / --room is required with them")
    elif number is not None:
        found = _queue(database_url, lambda q: [q.check_in_number(room, number)])
    else:
        found = _queue(database_url, lambda q: q.check_in_cccd(cccd or "", service_point=room))
    for ticket in found:
        typer.echo(f"Đã tiếp đón số {ticket.label} / checked in {ticket.label}")


def _day(text: str | None, option: str, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: ngày YYYY-MM-DD / a date YYYY-MM-DD: {text[:20]!r}")


def numbers(facility: Annotated[list[str] | None, typer.Option("--facility")] = None,
            day_from: Annotated[str | None, typer.Option("--from")] = None,
            day_to: Annotated[str | None, typer.Option("--to")] = None,
            format: Annotated[str, typer.Option("--format", help="json | csv")] = "json",
            database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Số liệu đặt lịch / Booking numbers (no-shows, lead time, utilisation, channels)."""
    from hoso.assembly import booking_numbers
    from hoso.booking.numbers import csv_text
    from hoso.core import clock

    if format not in ("json", "csv"):
        fail("--format: json | csv")
    last = _day(day_to, "--to", clock.today_vn())
    first = _day(day_from, "--from", last - timedelta(days=29))
    rows, totals = _as_operator(database_url, lambda repo: booking_numbers(repo).compute(
        tuple(facility or ()), first, last))  # fmt: skip
    if format == "csv":
        typer.echo(csv_text(rows), nl=False)
        return
    typer.echo(json.dumps({"from": first.isoformat(), "to": last.isoformat(),
                           "rows": [r.to_json() for r in rows],
                           "totals": [t.to_json() for t in totals]},
                          ensure_ascii=False, indent=1))  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the queue's commands to the `hoso booking` group."""
    app.command("sweep")(sweep)
    app.command("walk-in")(walk_in)
    app.command("check-in")(check_in)
    app.command("numbers")(numbers)
