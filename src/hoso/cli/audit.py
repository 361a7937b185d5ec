"""`hoso audit verify | head | anomalies`: the audit trail's hash chain and the callers
its watch flagged (docs/security.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, open_store

audit_app = typer.Typer(help="Nhật ký truy cập / Audit trail")


@audit_app.command("verify")
def audit_verify(database_url: DatabaseUrl = None) -> None:
    """Kiểm tra chuỗi băm nhật ký / Verify the audit hash chain (exit 1 if broken)."""
    from pathlib import Path

    from hoso.store.audit_spool import drain_spools
    from hoso.store.sql_store import SqlAuditLog

    store = open_store(database_url)
    if store.settings.audit_spool_dir:
        # Entries a stopped server left in its spool join the chain first: verified too.
        drained = drain_spools(store, Path(store.settings.audit_spool_dir))
        if drained:
            typer.echo(f"Đã nối {drained} tệp đệm / chained {drained} spool files", err=True)
    report = SqlAuditLog(store).verify()
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
    from hoso.core import clock

    since = clock.now_us() - days * 86_400 * 1_000_000
    store = open_store(database_url)
    with as_operator(store) as repo:
        rows = repo.anomalies(since)
    store.engine.dispose()
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
