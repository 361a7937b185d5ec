"""`hoso booking dispatch` and `hoso booking waitlist add|list` (issue 21 point 5):

    hoso booking dispatch [--loop]
    hoso booking waitlist add (--patient ID | --cccd CCCD) --service kham-noi \\
        --from 08/12/2026 --to 15/12/2026 [--facility 79001] [--phone 09…]
    hoso booking waitlist list [--patient ID] [--state waiting]

`dispatch` runs the booking's feed consumers once (reminders planned or voided, freed
seats offered to the waitlist), passes lapsed offers on and delivers the due messages
through the sender HOSO_BOOKING_SENDER names (`log`: the server log). `--loop` repeats
it every 30 seconds until Ctrl-C, as a worker. The operator (the OS user) acts, audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store

__all__ = ["register"]

Opt = typer.Option
STATE_HELP = "waiting | offered | booked | expired | withdrawn (lặp được / repeatable)"
waitlist_app = typer.Typer(help="Danh sách chờ đặt lịch / the booking waitlist")


def register(app: typer.Typer) -> None:
    """Put `dispatch` and `waitlist add|list` on the `hoso booking` group."""
    app.command("dispatch")(dispatch)
    app.add_typer(waitlist_app, name="waitlist")


def dispatch(
    loop: Annotated[bool, Opt(help="Chạy mãi, 30 giây một lần / run every 30 s")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Nhắc lịch, mời chỗ trống, gửi tin / Reminders, waitlist offers, messages out."""
    import logging
    import signal
    import threading

    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import booking_dispatch
    from hoso.store.sql_store import SqlAuditLog

    store = open_store(database_url)
    # The log sender's lines are the messages a developer reads (docs/booking-reminders.md):
    # on stderr, as `hoso serve` logs, so that stdout keeps only the report.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s "
                        "%(message)s")  # fmt: skip
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        try:
            jobs = booking_dispatch(store, trail)
        except ValueError as exc:  # HOSO_BOOKING_SENDER names nothing usable
            fail(str(exc))
        if loop:
            stop = threading.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            jobs.run(stop)
            return
        report = jobs.run_once()
        typer.echo(f"Thay đổi đã đọc / changes read: {report.reminder_changes} (nhắc lịch / "
                   f"reminders), {report.waitlist_changes} (danh sách chờ / waitlist); "
                   f"lời mời hết hạn / offers lapsed: {report.offers_lapsed}; "
                   f"đã gửi / sent: {report.sent}, lỗi / failed: {report.failed}")  # fmt: skip
    finally:
        trail.close()
        store.engine.dispose()


def _day(text: str, name: str) -> date:
    """dd/mm/yyyy (as people write it) or ISO YYYY-MM-DD."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    fail(f"{name} '{text}': cần dd/mm/yyyy / must read dd/mm/yyyy")


def _patient_by_cccd(repo: Any, cccd: str) -> str:
    from hoso.core import jsonx

    if not (cccd.isascii() and cccd.isdigit() and len(cccd) == 12):
        fail("CCCD gồm 12 chữ số / a CCCD has 12 digits")
    system = repo.settings.cccd_system
    page = repo.search("Patient", [("identifier", f"{system}|{cccd}")])
    # Not `active=true` in the search: a record without `active` (most HIS feeds) is active.
    found = [hit for hit in page.matches if jsonx.loads(hit.content).get("active") is not False]
    if len(found) != 1:
        fail(f"Không tìm thấy đúng một người có CCCD này ({len(found)}) / not exactly one "
             "resident with this CCCD")  # fmt: skip
    return str(found[0].id)


@waitlist_app.command("add")
def waitlist_add(
    service: Annotated[str, Opt(help="Mã dịch vụ / service type code (kham-noi)")],
    from_: Annotated[str, Opt("--from", help="Từ ngày / first day, dd/mm/yyyy")],
    to: Annotated[str, Opt(help="Đến ngày / last day, dd/mm/yyyy")],
    patient: Annotated[str | None, Opt(help="Patient id")] = None,
    cccd: Annotated[str | None, Opt(help="Số CCCD / citizen ID (or --patient)")] = None,
    facility: Annotated[str | None, Opt(help="Mã cơ sở KCB; bỏ trống: mọi cơ sở / any")] = None,
    phone: Annotated[str | None, Opt(help="Số điện thoại; mặc định của người bệnh")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Thêm người vào danh sách chờ / Put a resident on the waitlist."""
    from hoso.access.booking import BookingAccess
    from hoso.booking.waitlist import Waitlist, WaitRequest
    from hoso.core.errors import FhirError

    if (patient is None) == (cccd is None):
        fail("Cần đúng một trong --patient, --cccd / give exactly one of --patient, --cccd")
    first, last = _day(from_, "--from"), _day(to, "--to")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            patient_id = patient or _patient_by_cccd(repo, cccd or "")
            request = WaitRequest(patient_id, service, first, last, facility, phone)
            try:
                entry = Waitlist(BookingAccess(repo)).join(request)
            except FhirError as exc:
                fail(exc.message)
    finally:
        store.engine.dispose()
    typer.echo(f"Danh sách chờ / waitlist #{entry.id}: Patient/{entry.patient_id} "
               f"{entry.service_type} {first:%d/%m/%Y}–{last:%d/%m/%Y}")  # fmt: skip


@waitlist_app.command("list")
def waitlist_list(
    patient: Annotated[str | None, Opt(help="Patient id; bỏ trống: mọi người / all")] = None,
    state: Annotated[list[str] | None, Opt(help=STATE_HELP)] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Danh sách chờ, theo thứ tự / The waitlist, in order (TSV)."""
    from hoso.access.booking import BookingAccess
    from hoso.booking.model import iso_instant
    from hoso.booking.waitlist import Waitlist

    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            entries = Waitlist(BookingAccess(repo)).entries(patient, states=tuple(state or ()))
    finally:
        store.engine.dispose()
    typer.echo("id\tpatient\tservice\tfacility\tfrom\tto\tstate\toffer\toffer_expires")
    for e in entries:
        expires = iso_instant(e.offer_expires_us) if e.offer_expires_us else ""
        typer.echo(f"{e.id}\t{e.patient_id}\t{e.service_type}\t{e.facility or '*'}\t"
                   f"{e.from_day}\t{e.to_day}\t{e.state}\t{e.offered_appointment_id or ''}\t"
                   f"{expires}")  # fmt: skip
