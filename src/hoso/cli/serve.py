"""`hoso serve`: the FHIR server on this machine, in one process or several."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from hoso.store.sql_store import SqlStore


def serve(
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe / bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng / port")] = 8000,
    database_url: DatabaseUrl = None,
    demo_data: Annotated[
        bool | None,
        typer.Option(
            help="Nạp ~1.000 người dân tổng hợp vào kho trống, rồi tìm hồ sơ trùng và kiểm "
            "tra chất lượng / load ~1,000 synthetic residents into an empty store, then run "
            "the MPI dedupe and the data-quality run (default: only into the embedded "
            "SQLite under ./var, never into another database unless asked)",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Số tiến trình API / API processes (one per core is usual)")
    ] = 1,
    sync: Annotated[
        bool,
        typer.Option(help="Chạy các tiến trình đọc luồng thay đổi / run the change feed's "
                     "workers: case detection, the national sync (HOSO_NATIONAL_FHIR_URL) "
                     "and the Subscriptions' deliveries (HOSO_SUBSCRIPTION_ENDPOINTS)"),
    ] = True,
    mllp_port: Annotated[
        int | None, typer.Option(help="Cổng MLLP (HL7 v2) cho --mllp-facility / an HL7 v2 "
                                 "listener on this port, for --mllp-facility")] = None,
    mllp_facility: Annotated[
        str | None, typer.Option(help="Mã cơ sở KCB gửi tin HL7 v2 / the facility whose "
                                 "software sends to --mllp-port")] = None,
) -> None:
    """Chạy máy chủ FHIR / Run the FHIR server at http://HOST:PORT/fhir."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    # Discovery, the CapabilityStatement and the audience of tokens name this server:
    # where it listens, unless HOSO_BASE_URL says otherwise (behind a proxy). Set in the
    # environment so that `--workers` processes, which build from it, agree.
    if (mllp_port is None) != (mllp_facility is None):
        fail("--mllp-port và --mllp-facility đi cùng nhau / --mllp-port and --mllp-facility "
             "go together")  # fmt: skip
    if not os.environ.get("HOSO_BASE_URL"):
        os.environ["HOSO_BASE_URL"] = local_base_url(host, port)
    store = open_store(database_url)
    if demo_data or (demo_data is None and is_embedded_default(store.engine.url)):
        _load_demo_population(store)
    typer.echo(
        f"Hồ Sơ FHIR: {store.settings.public_base_url}/fhir  "
        f"(database: {store.engine.url.render_as_string()})"
    )
    if workers < 1:
        fail("--workers: ít nhất 1 / at least 1")
    from hoso.cli.mllp import BackgroundMllp
    from hoso.cli.sync import background_workers

    consumers: list[Any] = background_workers(store) if sync else []
    if mllp_port is not None and mllp_facility is not None:
        consumers.append(BackgroundMllp(store, mllp_facility, host, mllp_port).start())
    try:
        if workers == 1:
            _serve_in_this_process(store, host, port)
        else:
            _serve_in_worker_processes(store, host, port, workers)
    finally:
        for consumer in consumers:
            consumer.stop()


def local_base_url(host: str, port: int) -> str:
    """`http://host:port` as a client on this machine reaches it (a wildcard bind
    address is reached through the loopback)."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def is_embedded_default(url: URL) -> bool:
    """Whether the store is the embedded default, a SQLite file under `./var`: the
    newcomer's first start. An empty PostgreSQL database an operator just created, or a
    SQLite file elsewhere, is someone's real store and gets no invented residents."""
    if url.get_backend_name() != "sqlite" or not url.database:
        return False
    var = (Path.cwd() / "var").resolve()
    return Path(url.database).resolve().is_relative_to(var)


def _load_demo_population(store: SqlStore) -> None:
    """The synthetic residents of var/demo/population, if the store is still empty, then
    the MPI dedupe and the data-quality run over them: all written by the operator
    through the access layer's doors (bulk import, review queue, quality batch), audited."""
    from hoso.access.bulk_import import BulkImportAccess
    from hoso.access.records import QualityJob
    from hoso.core.vi_format import vi_number
    from hoso.ingest.demo_population import load_demo_population

    with as_operator(store) as repo:
        folder = Path("var") / "demo" / "population"
        loaded = load_demo_population(repo, BulkImportAccess(repo), QualityJob(repo),
                                      store.settings, folder)  # fmt: skip
    if loaded is None:
        return
    if loaded.interrupted:
        fail(
            f"Đã dừng nạp dữ liệu mẫu; phần đã ghi được giữ. Xóa {store.engine.url.database} "
            "để nạp lại từ đầu / Demo load stopped; what was written is kept. Delete it to "
            "load the demo again from the start",
            code=130,
        )
    pairs = loaded.duplicates.queued if loaded.duplicates else 0
    findings = loaded.quality.issues if loaded.quality else 0
    typer.echo(
        f"Dữ liệu mẫu / demo data: {vi_number(loaded.people)} người dân tổng hợp / synthetic "
        f"residents, {vi_number(loaded.imported.written)} tài nguyên / resources, "
        f"{vi_number(pairs)} cặp chờ xem xét / pairs to review, {vi_number(findings)} vấn đề "
        f"chất lượng / data-quality findings ({vi_number(loaded.seconds, 1)} s); "
        "--no-demo-data để tắt / to turn off"
    )


def _serve_in_this_process(store: SqlStore, host: str, port: int) -> None:
    import uvicorn

    from hoso.api.app import create_app
    from hoso.api.serving import settle_heap

    app = create_app(store, store.settings)
    settle_heap()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        loop="uvloop",  # the C event loop and HTTP parser, instead of pure-Python h11
        http="httptools",  # (docs/performance.md: before and after)
        # Uvicorn's access log prints query strings, which carry names and CCCDs; the
        # app logs method, path and status itself (see hoso.api.app.AccessLog).
        access_log=False,
    )


def _serve_in_worker_processes(store: SqlStore, host: str, port: int, workers: int) -> None:
    """Each process builds its app from the environment (the same settings; the audit
    chain and the jobs are shared through the database), so this one hands over its
    database URL and lets go of its connections."""
    from hoso.api.serving import serve_processes

    os.environ["HOSO_DATABASE_URL"] = store.engine.url.render_as_string(hide_password=False)
    store.engine.dispose()
    serve_processes(host, port, workers)
