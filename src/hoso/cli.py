"""`hoso`: the command line, a composition root beside the API."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from hoso import cli_access, cli_bulk, cli_import, cli_mpi, cli_quality, cli_synth
from hoso.cli_options import DatabaseUrl, fail, open_store

app = typer.Typer(help="Hồ Sơ: hồ sơ sức khỏe điện tử TP.HCM / HCMC electronic health record")
db_app = typer.Typer(help="Cơ sở dữ liệu / Database")
app.add_typer(db_app, name="db")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe / bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng / port")] = 8000,
    database_url: DatabaseUrl = None,
    demo_data: Annotated[
        bool,
        typer.Option(
            help="Nạp ~1.000 người dân tổng hợp vào kho trống / load ~1,000 synthetic "
            "residents into an empty store"
        ),
    ] = True,
    workers: Annotated[
        int, typer.Option(help="Số tiến trình API / API processes (one per core is usual)")
    ] = 1,
) -> None:
    """Chạy máy chủ FHIR / Run the FHIR server at http://HOST:PORT/fhir."""
    import logging

    import uvicorn

    from hoso.api.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    # Discovery, the CapabilityStatement and the audience of tokens name this server:
    # where it listens, unless HOSO_BASE_URL says otherwise (behind a proxy). Set in the
    # environment so that `--workers` processes, which build from it, agree.
    if not os.environ.get("HOSO_BASE_URL"):
        os.environ["HOSO_BASE_URL"] = local_base_url(host, port)
    store = open_store(database_url)
    if demo_data:
        from hoso.ingest.demo_population import load_demo_population

        loaded = load_demo_population(store, Path("var") / "demo" / "population")
        if loaded is not None:
            typer.echo(
                f"Dữ liệu mẫu / demo data: {loaded.counts.get('Patient', 0)} người dân tổng hợp "
                f"/ synthetic residents, {loaded.written} tài nguyên / resources "
                f"({loaded.seconds:.1f} s); --no-demo-data để tắt / to turn off"
            )
    typer.echo(
        f"Hồ Sơ FHIR: {store.settings.public_base_url}/fhir  "
        f"(database: {store.engine.url.render_as_string()})"
    )
    # Uvicorn's access log prints query strings, which carry names and CCCDs; the app
    # logs method, path and status itself (see hoso.api.app.AccessLog).
    if workers < 1:
        fail("--workers: ít nhất 1 / at least 1")
    if workers == 1:
        uvicorn.run(
            create_app(store, store.settings),
            host=host,
            port=port,
            log_level="info",
            access_log=False,
        )
        return
    # Several processes: each builds its app from the environment (the same settings;
    # the audit chain and the jobs are shared through the database).
    os.environ["HOSO_DATABASE_URL"] = store.engine.url.render_as_string(hide_password=False)
    store.engine.dispose()
    from hoso.api.serving import serve_processes

    serve_processes(host, port, workers)


def local_base_url(host: str, port: int) -> str:
    """`http://host:port` as a client on this machine reaches it (a wildcard bind
    address is reached through the loopback)."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Nâng cấp lược đồ lên bản mới nhất / Apply all migrations."""
    store = open_store(database_url)
    typer.echo(f"Đã nâng cấp / upgraded: {store.engine.url.render_as_string()}")


@app.command()
def load(
    files: Annotated[list[Path], typer.Argument(help="FHIR JSON Bundle hoặc NDJSON")],
    database_url: DatabaseUrl = None,
) -> None:
    """Nạp tệp FHIR / Load FHIR JSON Bundles or NDJSON; prints counts and errors."""
    from hoso.ingest.fhir_files import load_files

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        typer.echo(f"Không tìm thấy tệp / file not found: {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    report = load_files(open_store(database_url), files)
    for kind, n in sorted(report.counts.items()):
        typer.echo(f"{kind}: {n}")
    typer.echo(f"Tổng / total: {sum(report.counts.values())}, lỗi / errors: {len(report.errors)}")
    for error in report.errors:
        typer.echo(str(error), err=True)
    if report.errors:
        raise typer.Exit(1)


app.command("import")(cli_import.import_command)
app.command("synth")(cli_synth.synth)
app.command("export")(cli_bulk.export)
app.add_typer(cli_mpi.mpi_app, name="mpi")
app.add_typer(cli_quality.quality_app, name="quality")  # hoso quality run | report


@app.command()
def reindex(database_url: DatabaseUrl = None) -> None:
    """Dựng lại chỉ mục tìm kiếm / Rebuild all search-index rows."""
    from hoso.store.reindex import reindex as run

    done = run(open_store(database_url), lambda n: print(f"\r{n}", end="", file=sys.stderr))
    typer.echo(f"\nĐã lập chỉ mục lại / reindexed: {done}")


# -- authentication: clients, users, tokens, keys, demo (docs/security-auth.md) ----------
audit_app = typer.Typer(help="Nhật ký truy cập / Audit trail")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(database_url: DatabaseUrl = None) -> None:
    """Kiểm tra chuỗi băm nhật ký / Verify the audit hash chain (exit 1 if broken)."""
    from hoso.store.sql_store import SqlAuditLog

    report = SqlAuditLog(open_store(database_url)).verify()
    for problem in report.problems:
        typer.echo(problem, err=True)
    if not report.intact:
        typer.echo(
            f"HỎNG: {len(report.problems)} lỗi trong {report.checked} mục / "
            f"BROKEN: {len(report.problems)} problems in {report.checked} entries",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"Nguyên vẹn / intact: {report.checked} mục / entries")


@audit_app.command("head")
def audit_head(database_url: DatabaseUrl = None) -> None:
    """In đầu chuỗi để lưu ngoài hệ thống / Print the chain head to record elsewhere."""
    from hoso.store.sql_store import SqlAuditLog

    seq, digest = SqlAuditLog(open_store(database_url)).head()
    typer.echo(f"{seq} {digest}")


@audit_app.command("anomalies")
def audit_anomalies(
    days: Annotated[int, typer.Option(help="Số ngày gần nhất / the last N days")] = 30,
    database_url: DatabaseUrl = None,
) -> None:
    """Cảnh báo truy cập bất thường / Callers flagged for opening records too fast."""
    import getpass

    from hoso.access.principal import operator_principal
    from hoso.access.record_access import anomalies
    from hoso.core import clock

    since = clock.now_us() - days * 86_400 * 1_000_000
    store = open_store(database_url)
    rows = anomalies(store, operator_principal(getpass.getuser()), since)
    if not rows:
        typer.echo(f"Không có cảnh báo trong {days} ngày / no anomalies in {days} days")
        return
    typer.echo("phát hiện / detected | giờ / hour | tác nhân / agent | cơ sở / facility | "
               "số hồ sơ mở / opened | ngưỡng / threshold")  # fmt: skip
    for row in rows:
        typer.echo(" | ".join(str(x) for x in (
            clock.local_display(clock.from_us(row["detected_us"])),
            clock.local_display(clock.from_us(row["hour_us"])),
            row["agent"], row["facility"] or "-", row["count"], row["threshold"])))  # fmt: skip


# Access: OAuth clients, accounts, keys, tokens, login, demo accounts (hoso.cli_access).
app.add_typer(cli_access.clients_app, name="clients")
app.add_typer(cli_access.users_app, name="users")
app.add_typer(cli_access.keys_app, name="keys")
app.command()(cli_access.token)
app.command()(cli_access.login)
app.command()(cli_access.demo)


if __name__ == "__main__":
    app()
