"""`hoso sync`: the national health record database's sync (`hoso.exchange`).

- `run`: the worker, until Ctrl-C (or `--until-idle`: until the feed is sent);
- `status`: queue depth, age of the oldest change waiting, rate, failures, dead letters;
- `retry [POSITION…]`: another attempt at dead letters (all without positions).
Figures come from the feed's tables, so `status` works while a worker runs elsewhere.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from typing import Annotated, Any

import typer

from hoso.cli.options import DatabaseUrl, fail, open_store

sync_app = typer.Typer(help="Đồng bộ CSDL quốc gia / National database sync")


def _trail(store: Any) -> Any:
    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.store.sql_store import SqlAuditLog

    return GroupCommitAuditTrail(SqlAuditLog(store))


@sync_app.command("run")
def sync_run(
    until_idle: Annotated[bool, typer.Option(help="Dừng khi hết thay đổi / stop when "
                                             "nothing is left to send")] = False,
    lease_seconds: Annotated[float, typer.Option(help="Thời hạn giữ hàng đợi / lease")] = 60.0,
    database_url: DatabaseUrl = None,
) -> None:
    """Gửi các thay đổi lên CSDL quốc gia / Send the changes to the national database."""
    from hoso.assembly import national_sync
    from hoso.exchange.national_sync import SyncStalled

    store = open_store(database_url)
    trail = _trail(store)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        try:
            worker = national_sync(store, trail, lease_seconds=lease_seconds)
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"Đồng bộ / syncing to {store.settings.national_fhir_url} "
                   f"as {worker.owner}", err=True)  # fmt: skip
        try:
            worker.run(stop, until_idle=until_idle)
        except SyncStalled as exc:
            fail(str(exc), 1)
        typer.echo(f"Đã gửi / sent {worker.sent}, lỗi chuyển / parked {worker.parked}", err=True)
    finally:
        trail.close()
        store.engine.dispose()


def _figures(stats: Any) -> dict[str, Any]:
    oldest = stats.oldest_pending_us
    return {
        "consumer": stats.consumer, "head": stats.head, "position": stats.position,
        "pending": stats.pending,
        "oldest_pending_seconds": round(time.time() - oldest / 1e6, 1) if oldest else None,
        "sent": stats.sent, "rate_per_second": round(stats.rate, 1),
        "failures": stats.failures, "last_error": stats.last_error,
        "dead_letters": stats.dead_letters, "worker": stats.lease_owner,
    }  # fmt: skip


@sync_app.command("status")
def sync_status(
    as_json: Annotated[bool, typer.Option("--json", help="In JSON / print JSON")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Tình trạng hàng đợi / Queue depth, oldest change waiting, rate, failures."""
    from hoso.assembly import national_feed

    store = open_store(database_url)
    trail = _trail(store)
    try:
        feed = national_feed(store, trail)
        figures = _figures(feed.stats())
        letters = feed.dead_letters(limit=20)
    finally:
        trail.close()
        store.engine.dispose()
    figures["dead_letter_list"] = [
        {"position": d.change.position, "resource": d.change.key, "version": d.change.version,
         "attempts": d.attempts, "status": d.status, "error": d.error[:300]}
        for d in letters
    ]  # fmt: skip
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    for name, value in figures.items():
        if name != "dead_letter_list":
            typer.echo(f"{name}: {value}")
    for letter in figures["dead_letter_list"]:
        typer.echo(f"  #{letter['position']} {letter['resource']} v{letter['version']} "
                   f"×{letter['attempts']} {letter['status']}: {letter['error']}")  # fmt: skip


@sync_app.command("retry")
def sync_retry(
    positions: Annotated[list[int] | None, typer.Argument(help="Vị trí / positions")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Gửi lại thư chết / Retry dead letters (all of them without positions)."""
    from hoso.assembly import national_feed

    store = open_store(database_url)
    trail = _trail(store)
    try:
        marked = national_feed(store, trail).mark_retry(positions or None)
    finally:
        trail.close()
        store.engine.dispose()
    typer.echo(f"Đánh dấu gửi lại / marked for retry: {marked}")
    if positions and marked < len(positions):
        fail("Một số vị trí không phải thư chết / some positions are not dead letters", 1)


class BackgroundWorker:
    """A change-feed consumer as a thread of `hoso serve` (unless `--no-sync`): the
    national sync when HOSO_NATIONAL_FHIR_URL is set, the facilities' Subscriptions when
    HOSO_SUBSCRIPTION_ENDPOINTS is. Several server processes may run one each: the
    feed's leases let one of them work at a time."""

    def __init__(self, store: Any, build: Any, name: str) -> None:
        self.trail = _trail(store)
        self.stop_event = threading.Event()
        try:
            self.worker = build(store, self.trail)
        except ValueError as exc:
            self.trail.close()
            fail(str(exc))
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        import logging

        try:
            self.worker.run(self.stop_event)
        except Exception:  # the server goes on serving; the log and `status` say why
            logging.getLogger(__name__).exception("%s stopped", self.thread.name)

    def start(self) -> BackgroundWorker:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=30)
        self.trail.close()


def background_workers(store: Any) -> list[BackgroundWorker]:
    from hoso.assembly import (
        booking_dispatch,
        case_detector,
        national_sync,
        programme_recompute,
        subscription_worker,
    )
    from hoso.cli.daily_jobs import daily_surveillance

    # Case reports are made from the record always, and the daily detection and the
    # follow-ups' closing run once a day (issue 18): none of them leaves the building.
    workers = [BackgroundWorker(store, case_detector, "case-detection").start(),
               BackgroundWorker(store, daily_surveillance, "daily-surveillance").start(),
               # Programme registers follow the record, and everyone once a day (issue 19).
               BackgroundWorker(store, lambda s, t: programme_recompute(s, t, nightly=True),
                                "programme-enrolment").start(),
               # Booking reminders, waitlist offers and the outbox (issue 21 point 5).
               BackgroundWorker(store, booking_dispatch, "booking-dispatch").start()]
    if store.settings.national_fhir_url:
        workers.append(BackgroundWorker(store, national_sync, "national-sync").start())
    if store.settings.subscription_endpoints:
        workers.append(BackgroundWorker(store, subscription_worker, "subscriptions").start())
    return workers
