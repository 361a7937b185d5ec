"""`hoso mllp`: an HL7 v2 listener (MLLP over TCP) for one facility's lab, device or
vaccination software. Each message is parsed (`hoso.ingest.hl7v2`) into one episode's
Bundle and written through the one intake as that facility's system — the same policy,
MPI and audit as its HIS through the API — and answered with an ACK (AA, or AE/AR with
ERR segments naming the field). One listener per facility: a message whose MSH-4 names
another facility is refused."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated, Any

import typer

from hoso.cli.options import DatabaseUrl, open_store


def mllp(
    facility: Annotated[
        str, typer.Option(help="Mã cơ sở KCB gửi tin / the sending facility's code")
    ],
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe / listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng MLLP / MLLP port")] = 2575,
    database_url: DatabaseUrl = None,
) -> None:
    """Nhận tin HL7 v2 qua MLLP / Receive HL7 v2 messages over MLLP for one facility."""
    store = open_store(database_url)
    trail, server = listener(store, facility, host, port)
    try:
        asyncio.run(_serve(server, facility))
    finally:
        trail.close()
        store.engine.dispose()


def listener(store: Any, facility: str, host: str, port: int) -> tuple[Any, Any]:
    """(its audit trail, an MLLP server) writing as `facility`'s system through the one
    intake."""
    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import facility_repository
    from hoso.identity.merge_requests import request_merge
    from hoso.ingest.hl7v2 import MllpServer, make_handler
    from hoso.ingest.intake import take_episode
    from hoso.store.sql_store import SqlAuditLog

    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    repo = facility_repository(store, facility, "mllp", trail)
    base = store.settings.public_base_url.rstrip("/") + "/fhir"

    def take(bundle: dict[str, Any]) -> Any:
        return take_episode(repo, bundle, settings=store.settings, base_url=base)

    def merge(surviving: str, retired: str, message_id: str) -> str | None:
        return request_merge(repo, surviving, retired, cccd_system=store.settings.cccd_system,
                             facility=facility, message_id=message_id)  # fmt: skip

    handler = make_handler(take, settings=store.settings, facility=facility, merge=merge)
    return trail, MllpServer(handler, host=host, port=port)


class BackgroundMllp:
    """`hoso serve --mllp-port P --mllp-facility CODE`: the listener on its own event
    loop in a thread beside the HTTP server."""

    def __init__(self, store: Any, facility: str, host: str, port: int) -> None:
        import threading

        self.trail, self.server = listener(store, facility, host, port)
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="mllp", daemon=True)
        self.facility = facility

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        port = self.loop.run_until_complete(self.server.start())
        typer.echo(f"MLLP {self.server.host}:{port}, cơ sở / facility {self.facility}", err=True)
        self.ready.set()
        self.loop.run_forever()

    def start(self) -> BackgroundMllp:
        self.thread.start()
        self.ready.wait(timeout=30)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.trail.close()


async def _serve(server: Any, facility: str) -> None:
    """Until SIGINT or SIGTERM; the port is printed once listening (port 0: any free)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    port = await server.start()
    typer.echo(f"MLLP {server.host}:{port}, cơ sở / facility {facility}", err=True)
    await stop.wait()
    await server.close()
