"""`hoso quality run` and `hoso quality report`: the data-quality batch and its
scorecard on the server's machine. Registered on the main app by `hoso.cli`.

The operator runs these on the server itself (like `hoso export`); the scorecard holds
counts only, never records.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from hoso.cli_options import DatabaseUrl, fail, open_store

quality_app = typer.Typer(
    help="Chất lượng dữ liệu (đúng – đủ – sạch – sống) / Data quality", no_args_is_help=True
)
FORMATS = ("table", "json")


@quality_app.command("run")
def run(database_url: DatabaseUrl = None) -> None:
    """Kiểm tra lại toàn bộ hồ sơ và lưu bảng điểm / Recheck every record and snapshot the
    scorecard."""
    from hoso.ingest.quality import run_quality_batch

    store = open_store(database_url)
    try:
        report = run_quality_batch(
            store, progress=lambda n: print(f"\r{n:,}", end="", file=sys.stderr)
        )
    finally:
        store.engine.dispose()
    typer.echo("", err=True)
    for rule, n in sorted(report.findings.items()):
        typer.echo(f"{rule}: {n}")
    typer.echo(
        f"Lần chạy / run {report.run_id}: {report.resources:,} tài nguyên / resources, "
        f"{report.issues:,} vấn đề / findings ({report.seconds:.1f} s)"
    )


@quality_app.command("report")
def report(
    facility: Annotated[
        str | None, typer.Option(help="Mã cơ sở KCB / facility code (mã CSKCB)")
    ] = None,
    ward: Annotated[
        str | None, typer.Option(help="Mã phường/xã (5 số) / ward code (NSO, 5 digits)")
    ] = None,
    runs: Annotated[int, typer.Option(help="Số lần chạy cho xu hướng / runs of trend")] = 12,
    format: Annotated[
        str, typer.Option("--format", help="table | json (định dạng / output format)")
    ] = "table",
    database_url: DatabaseUrl = None,
) -> None:
    """In bảng điểm chất lượng dữ liệu / Print the data-quality scorecard."""
    from hoso.core.errors import FhirError
    from hoso.ingest.quality.scorecard import check_filters, read_scorecard

    if format not in FORMATS:
        fail(f"--format: chỉ nhận table hoặc json / must be table or json (got '{format}')")
    try:
        facility, ward, runs = check_filters(facility, ward, runs)
    except FhirError as exc:
        fail(exc.message)
    store = open_store(database_url)
    try:
        card = read_scorecard(store.engine, facility, ward, runs)
    finally:
        store.engine.dispose()
    body = card.to_json()
    if format == "json":
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    if body["run"] is None:
        fail("Chưa có lần kiểm tra nào; chạy 'hoso quality run' / No run yet; run "
             "'hoso quality run'", code=1)  # fmt: skip
    typer.echo(f"Lần chạy / run {body['run']['id']}, {body['run']['display']}")
    typer.echo(f"{'Mã / rule':<10} {'Đã kiểm':>10} {'Không đạt':>10} {'Tỷ lệ':>8}  Quy tắc / Rule")
    for r in body["rules"]:
        rate = f"{r['rate'] * 100:.2f}%"
        typer.echo(f"{r['rule']:<10} {r['checked']:>10} {r['failing']:>10} {rate:>8}  {r['title']}")
