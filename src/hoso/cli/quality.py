"""`hoso quality run` and `hoso quality report`: the data-quality batch and its
scorecard on the server's machine. Registered on the main app by `hoso.cli`.

The operator runs these on the server itself (like `hoso export`); the scorecard holds
counts only, never records.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store
from hoso.core.vi_format import vi_number, vi_percent

if TYPE_CHECKING:
    from hoso.store.sql_store import SqlStore

quality_app = typer.Typer(
    help="Chất lượng dữ liệu (đúng – đủ – sạch – sống) / Data quality", no_args_is_help=True
)
FORMATS = ("table", "json")


def _open(database_url: str | None) -> SqlStore:
    """The store, or a bilingual message (not a traceback) when the database cannot be
    opened: an unknown URL scheme, a server that does not answer, a bad password."""
    import sqlalchemy.exc

    try:
        return open_store(database_url)
    except (sqlalchemy.exc.ArgumentError, sqlalchemy.exc.OperationalError) as exc:
        reason = str(exc).splitlines()[0][:200]
        fail(f"Không mở được cơ sở dữ liệu / Cannot open the database: {reason}", code=1)


@quality_app.command("run")
def run(database_url: DatabaseUrl = None) -> None:
    """Kiểm tra lại toàn bộ hồ sơ và lưu bảng điểm / Recheck every record and snapshot the
    scorecard."""
    from hoso.access.records import QualityJob
    from hoso.ingest.quality import run_quality_batch

    store = _open(database_url)
    try:
        with as_operator(store) as repo:
            report = run_quality_batch(QualityJob(repo), store.settings,
                progress=lambda n: print(f"\r{vi_number(n)}", end="", file=sys.stderr))  # fmt: skip
    finally:
        store.engine.dispose()
    typer.echo("", err=True)
    for rule, n in sorted(report.findings.items()):
        typer.echo(f"{rule}: {n}")
    typer.echo(
        f"Lần chạy / run {report.run_id}: {vi_number(report.resources)} tài nguyên / "
        f"resources, {vi_number(report.issues)} vấn đề / findings "
        f"({vi_number(report.seconds, 1)} s)"
    )


@quality_app.command("report")
def report(
    facility: Annotated[
        str | None, typer.Option(help="Mã cơ sở KCB / facility code (mã CSKCB)")
    ] = None,
    ward: Annotated[
        str | None, typer.Option(help="Mã phường/xã (5 số) / ward code (NSO, 5 digits)")
    ] = None,
    runs: Annotated[
        str, typer.Option(help="Số lần chạy cho xu hướng (1–52) / runs of trend (1–52)")
    ] = "12",
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
    store = _open(database_url)
    try:
        with as_operator(store) as repo, repo.quality_tables() as tables:
            card = read_scorecard(tables, facility, ward, runs)
    finally:
        store.engine.dispose()
    body = card.to_json()
    if format == "json":
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    if body["run"] is None:
        fail("Chưa có lần kiểm tra nào; chạy 'hoso quality run' / No run yet; run "
             "'hoso quality run'", code=1)  # fmt: skip
    for line in table_lines(body):
        typer.echo(line)


def _rate(value: float) -> str:
    return vi_percent(value)  # "5,23 %", as the pages write it


def table_lines(body: dict[str, Any]) -> list[str]:
    """The scorecard as text: per rule, the trend, per facility and per ward."""
    lines = [f"Lần chạy / run {body['run']['id']}, {body['run']['display']}"]
    if body["facility"] or body["ward"]:
        scope = " ".join(x for x in (body["facility"], body["wardName"]) if x)
        lines.append(f"Phạm vi / scope: {scope}")
    trend = body["trend"]
    dates = "  ".join(f"{p['display'][:10]:>10}" for p in trend)
    lines += [
        "",
        "Theo quy tắc / By rule",
        f"{'Mã / rule':<10} {'Đã kiểm':>8} {'Không đạt':>10} {'Tỷ lệ':>8}  Quy tắc / Rule",
    ]
    for r in body["rules"]:
        lines.append(
            f"{r['rule']:<10} {vi_number(r['checked']):>8} {vi_number(r['failing']):>10} "
            f"{_rate(r['rate']):>8}  {r['title']}"
        )
    lines += ["", "Xu hướng tỷ lệ không đạt / Trend of failing rates", f"{'Mã / rule':<10} {dates}"]
    for r in body["rules"]:
        cells = "  ".join(
            f"{_rate(p['rates'][r['rule']]) if r['rule'] in p['rates'] else '—':>10}" for p in trend
        )
        lines.append(f"{r['rule']:<10} {cells}")
    for title, key in (
        ("Theo cơ sở / By facility", "facilities"),
        ("Theo phường/xã / By ward", "wards"),
    ):
        lines += [
            "",
            title,
            f"{'Mã / code':<12} {'Đã kiểm':>8} {'Không đạt':>10} {'Đạt':>8}  Tên / Name",
        ]
        for p in body[key]:
            lines.append(
                f"{p['code'] or '—':<12} {vi_number(p['checked']):>8} "
                f"{vi_number(p['failing']):>10} "
                f"{_rate(p['passed']):>8}  {p['name']}"
            )
    return lines
