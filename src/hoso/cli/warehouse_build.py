"""`hoso warehouse build | query | status`: the warehouse's snapshots on the server's
machine, as the operator `hoso-warehouse`, audited (issue 20 point 2; docs/warehouse.md).

- `build [--full] [--engine duckdb|spark] [--identified --reason "…"]`: an incremental
  build from the change feed (a full one when there is no snapshot yet, or `--full`);
  Parquet partitions written by DuckDB or Spark;
- `query SQL [--limit N] [--timeout S] [--format table|csv|ndjson]`: one read-only SELECT
  over the current snapshot;
- `status`: what the current snapshot holds.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store
from hoso.core.errors import FhirError
from hoso.core.vi_format import vi_number

__all__ = ["build", "query", "status"]

Root = Annotated[Path | None, typer.Option("--root", help="thư mục kho / warehouse folder "
                                           "(HOSO_WAREHOUSE_DIR, var/warehouse)")]  # fmt: skip


def build(full: Annotated[bool, typer.Option("--full", help="dựng lại toàn bộ / full rebuild")
                          ] = False,
          since: Annotated[str | None, typer.Option(
              help="áp lại tài nguyên cập nhật từ ngày (dd/mm/yyyy hoặc yyyy-mm-dd) / "
                   "re-apply resources updated since this date")] = None,
          engine: Annotated[str, typer.Option(help="duckdb | spark")] = "duckdb",
          identified: Annotated[bool, typer.Option(help="giữ định danh thật (cần lý do) / "
                                                   "keep real ids (needs --reason)")] = False,
          reason: Annotated[str | None, typer.Option(help="lý do / reason")] = None,
          root: Root = None, database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Dựng kho dữ liệu từ kho hồ sơ / Build the warehouse from the record store."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import warehouse_builder
    from hoso.store.sql_store import SqlAuditLog
    from hoso.warehouse.snapshots import BuildRunning

    if engine not in ("duckdb", "spark"):
        fail(f"--engine: {engine} (duckdb | spark)")
    since_us = _since(since) if since else None
    store = open_store(database_url)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    try:
        with Progress(*columns, console=_stderr_console(), transient=False) as bar:
            task = bar.add_task("kho dữ liệu / warehouse …")

            def progress(table: str, done: int) -> None:
                bar.update(task, description=f"{table}: {vi_number(done)} tài nguyên / resources")

            builder = warehouse_builder(store, trail, str(root) if root else None,
                                        identified=identified, reason=reason, engine=engine,
                                        progress=progress)  # fmt: skip
            if full:
                report = builder.full()
            elif since_us is not None:
                report = builder.since(since_us)
            else:
                report = builder.incremental()
    except FhirError as exc:
        fail(exc.message, code=2)
    except BuildRunning as exc:
        fail(str(exc), code=1)
    finally:
        trail.close()
        store.engine.dispose()
    rows = sum(report.rows.values())
    typer.echo(f"{report.mode}: {vi_number(sum(report.resources.values()))} tài nguyên / "
               f"resources → {vi_number(rows)} dòng / rows; vị trí luồng / feed position "
               f"{report.position}; {report.seconds:.1f} s")  # fmt: skip


def _since(text: str) -> int:
    """A day in Asia/Ho_Chi_Minh (dd/mm/yyyy or yyyy-mm-dd) → its start in µs."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    for form in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(text.strip(), form)
        except ValueError:
            continue
        return int(day.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp() * 1_000_000)
    fail(f"--since: {text[:40]} (dd/mm/yyyy)")


def query(sql: Annotated[str, typer.Argument(help="một câu SELECT / one SELECT statement")],
          limit: Annotated[int, typer.Option(min=1, max=1_000_000)] = 1000,
          timeout: Annotated[float, typer.Option(min=0.1, max=3600)] = 60.0,
          output: Annotated[str, typer.Option("--format", help="table | csv | ndjson")
                            ] = "table",
          root: Root = None, database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Truy vấn SQL chỉ đọc trên kho / One read-only SQL query over the warehouse."""
    from hoso.access.warehouse_queries import WarehouseQueries
    from hoso.warehouse.query import snapshot_query

    if output not in ("table", "csv", "ndjson"):
        fail(f"--format: {output} (table | csv | ndjson)")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            folder = root or Path(store.settings.warehouse_dir)
            execute = snapshot_query(folder, limit=limit, timeout=timeout)
            result = WarehouseQueries(repo, execute).run(sql)
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        store.engine.dispose()
    _print(result.columns, result.rows, output)
    if result.truncated:
        typer.echo(f"… hơn {vi_number(limit)} dòng, đã cắt / more than {limit} rows, cut",
                   err=True)  # fmt: skip


def status(root: Root = None, database_url: DatabaseUrl = None) -> None:
    """Bản dựng hiện tại của kho / The warehouse's current snapshot."""
    from hoso.core.settings import Settings
    from hoso.warehouse.snapshots import Warehouse

    folder = root or Path(Settings.from_env().warehouse_dir)
    snapshot = Warehouse(folder).current()
    if snapshot is None:
        fail("Kho dữ liệu chưa được dựng / The warehouse has not been built", code=1)
    typer.echo(json.dumps({"build": snapshot.root.name, **snapshot.info}, indent=2,
                          ensure_ascii=False))  # fmt: skip


def _print(columns: list[str], rows: list[tuple], output: str) -> None:
    if output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif output == "ndjson":
        for row in rows:
            record = dict(zip(columns, row, strict=True))
            sys.stdout.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
