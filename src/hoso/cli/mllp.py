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
    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import facility_repository
    from hoso.ingest.hl7v2 import MllpServer, make_handler
    from hoso.ingest.intake import take_episode
    from hoso.store.sql_store import SqlAuditLog

    store = open_store(database_url)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    repo = facility_repository(store, facility, "mllp", trail)
    base = store.settings.public_base_url.rstrip("/") + "/fhir"

    def take(bundle: dict[str, Any]) -> Any:
        return take_episode(repo, bundle, settings=store.settings, base_url=base)

    handler = make_handler(take, settings=store.settings, facility=facility)
    try:
        asyncio.run(_serve(MllpServer(handler, host=host, port=port), facility))
    finally:
        trail.close()
        store.engine.dispose()


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
