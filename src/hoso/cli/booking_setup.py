"""`hoso booking setup --facility F | --all`: every facility's bookable services, rooms
and Schedules from the catalogue (`hoso.booking.setup`), as the operator, through the
access layer (audited). Running it again writes nothing new. One line per facility
(`--json`: one JSON object per line), then the totals.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store

__all__ = ["register", "setup"]


def setup(
    facility: Annotated[list[str] | None, typer.Option(
        "--facility", help="Mã cơ sở KCB (lặp lại được) / facility code (repeatable)")] = None,
    every: Annotated[bool, typer.Option(
        "--all", help="Mọi cơ sở trong kho / every facility in the store")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
    database_url: DatabaseUrl = None,
) -> None:  # fmt: skip
    """Thiết lập dịch vụ, phòng và lịch khám để đặt lịch / Set up bookable services."""
    from hoso.assembly import booking_setup
    from hoso.core.errors import FhirError

    if bool(facility) == every:
        fail("Cần đúng một trong --facility hoặc --all / give --facility or --all")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            reports = booking_setup(repo, None if every else list(facility or []))
    except FhirError as exc:
        fail(str(exc))
    finally:
        store.engine.dispose()
    for report in reports:
        if as_json:
            typer.echo(json.dumps(report.to_json(), ensure_ascii=False))
        else:
            typer.echo(f"{report.facility} ({report.level}): {', '.join(report.kinds) or '-'}"
                       f" — created {report.created}, updated {report.updated}, "
                       f"unchanged {report.unchanged}")  # fmt: skip
    total = {k: sum(getattr(r, k) for r in reports) for k in ("created", "updated", "unchanged")}
    typer.echo(f"facilities {len(reports)}, created {total['created']}, updated "
               f"{total['updated']}, unchanged {total['unchanged']}", err=as_json)  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add `setup` to the `hoso booking` group."""
    app.command("setup")(setup)
