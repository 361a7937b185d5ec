"""`hoso booking …` (issue 21, docs/booking.md): the booking service's jobs on the
server's machine, as the operator, audited.

- `slots --facility F --from dd/mm/yyyy --to dd/mm/yyyy`: publish the facility's Slots
  from its Schedules' templates, skipping the public holidays (`hoso.booking.calendar`);
  `--facility all` publishes every facility that has Schedules. Run again, adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store
from hoso.core import jsonx
from hoso.core.errors import FhirError

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["booking_app", "parse_day"]

booking_app = typer.Typer(help="Đặt lịch khám / Online booking (issue 21)")


def parse_day(text: str, option: str) -> date:
    """dd/mm/yyyy (or yyyy-mm-dd) → the day; exit 2 otherwise."""
    for form in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    fail(f"{option}: {text[:40]!r} không phải ngày dd/mm/yyyy / is not a dd/mm/yyyy day")


@booking_app.command("slots")
def slots(
    facility: Annotated[str, typer.Option("--facility", help="mã CSKCB, hoặc all / code or all")],
    first: Annotated[str, typer.Option("--from", help="từ ngày dd/mm/yyyy / first day")],
    last: Annotated[str, typer.Option("--to", help="đến ngày dd/mm/yyyy / last day")],
    database_url: DatabaseUrl = None,
) -> None:
    """Mở lịch: tạo khung giờ từ mẫu lịch / Publish slots from the schedules' templates."""
    from hoso.access.booking import BookingAccess
    from hoso.booking.calendar import is_holiday
    from hoso.booking.publish import publish_slots
    from hoso.booking.residence import ward_of

    start, end = parse_day(first, "--from"), parse_day(last, "--to")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            codes = _facilities(repo) if facility == "all" else [facility]
            for code in codes:
                report = publish_slots(BookingAccess(repo), repo.settings.facility_system, code,
                                       start, end, lambda d: is_holiday(d) is not None,
                                       ward_of)  # fmt: skip
                typer.echo(jsonx.dumps(report.to_json()))
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        store.engine.dispose()


def _facilities(repo: AccessRepository) -> list[str]:
    """The facility codes of the Organizations that provide a HealthcareService."""
    from hoso.fhir.repository import every_match

    system = repo.settings.facility_system
    orgs: dict[str, None] = {}
    for hit in every_match(repo, "HealthcareService", []):
        ref = (jsonx.loads(hit.content).get("providedBy") or {}).get("reference")
        if isinstance(ref, str) and ref.startswith("Organization/"):
            orgs[ref] = None
    codes = []
    for ref in orgs:
        org = jsonx.loads(repo.read("Organization", ref.split("/", 1)[1]).content)
        codes += [i["value"] for i in org.get("identifier") or [] if i.get("system") == system]
    return sorted(set(codes))


def _register_parts() -> None:
    """The group's other commands, one module per area."""
    from hoso.cli import booking_queue, booking_reminders, booking_setup

    booking_setup.register(booking_app)
    booking_reminders.register(booking_app)
    booking_queue.register(booking_app)


_register_parts()
