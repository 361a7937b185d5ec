"""`hoso warehouse import-licences`, `hoso warehouse licences expiring` and `hoso
warehouse check-licences`: group 3 of the warehouse on the server's machine, as the
operator (docs/warehouse-licences.md).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store
from hoso.core.vi_format import vi_date

__all__ = ["check_licences", "import_licences", "licences_app"]

licences_app = typer.Typer(help="Sổ giấy phép hành nghề và hoạt động / Licence registry",
                           no_args_is_help=True)  # fmt: skip
FORMATS = ("table", "json", "csv")
ALERT_LABELS = {"expired": "đã hết hạn / expired", "expiring": "sắp hết hạn / expiring",
                "conversion-due": "CCHN cần chuyển đổi / CCHN conversion due"}  # fmt: skip


def _format(value: str) -> str:
    if value not in FORMATS:
        fail(f"--format phải là / must be one of {', '.join(FORMATS)}")
    return value


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text) if "-" in text else date(
            *reversed([int(x) for x in text.split("/")]))  # fmt: skip
    except (ValueError, TypeError):
        fail(f"{option}: ngày không hợp lệ (dd/mm/yyyy) / invalid date: {text[:20]!r}")


def _rows_out(rows: list[dict[str, object]], fmt: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["number"])
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(out.getvalue(), nl=False)
        return
    for row in rows:
        typer.echo("  ".join(str(v) for v in row.values()))


def import_licences(
    file: Annotated[Path, typer.Argument(help="Tệp CSV hoặc XLSX / a CSV or XLSX file")],
    kind: Annotated[str, typer.Option("--kind", help="certificates | facilities")],
    source: Annotated[str, typer.Option(
        "--source", help='Nguồn và ngày công bố / source and its date, e.g. "Sở Y tế TP.HCM, '
                         'công khai 01/12/2026"')],
    source_date: Annotated[str | None, typer.Option(
        "--source-date", help="Ngày của nguồn nếu nguồn không ghi / the source's date "
                              "(dd/mm/yyyy) when the source states none")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Nhập sổ giấy phép (một giao dịch mỗi tệp) / Import a licence register (one
    transaction per file)."""
    from hoso.access.warehouse_licences import LicenceAccess
    from hoso.warehouse.licences.registry import KINDS, import_file
    from hoso.warehouse.licences.rows import source_date as stated_date
    from hoso.warehouse.licences.sheets import MAX_BYTES

    if kind not in KINDS:
        fail(f"--kind phải là / must be {' | '.join(KINDS)}")
    stated = _day(source_date, "--source-date") or stated_date(source)
    if stated is None:
        fail("Nguồn phải ghi ngày (dd/mm/yyyy) hoặc dùng --source-date / the source must "
             "state its date (dd/mm/yyyy), or give --source-date")  # fmt: skip
    if not file.is_file():
        fail(f"Không có tệp / no such file: {file}")
    if file.stat().st_size > MAX_BYTES:
        fail(f"Tệp quá lớn / file too large: {file}")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            report = import_file(LicenceAccess(repo), file.read_bytes(), kind, source, stated)
    finally:
        store.engine.dispose()
    for problem in report.problems:
        typer.echo(f"{file.name}: {problem}", err=True)
    if not report.ok:
        fail(f"Không ghi gì: {len(report.problems)} lỗi / nothing written: "
             f"{len(report.problems)} problems", code=1)  # fmt: skip
    typer.echo(f"{report.kind}: {report.rows} dòng / rows — mới / created {report.created}, "
               f"cập nhật / updated {report.updated}, không đổi / unchanged "
               f"{report.unchanged} (nguồn / source: {report.source}, {vi_date(stated)})")


@licences_app.command("expiring")
def expiring(
    days: Annotated[int, typer.Option("--days", help="Trong bao nhiêu ngày / within days")] = 90,
    format: Annotated[str, typer.Option("--format", help="table | json | csv")] = "table",
    database_url: DatabaseUrl = None,
) -> None:
    """Giấy phép hết hạn hoặc sắp hết hạn / Licences expired or expiring within --days."""
    from hoso.access.warehouse_licences import LicenceAccess
    from hoso.warehouse.licences.registry import expiring as expiring_licences

    fmt = _format(format)
    if not 0 <= days <= 3660:
        fail("--days: 0–3660")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            found = expiring_licences(LicenceAccess(repo), days)
    finally:
        store.engine.dispose()
    rows: list[dict[str, object]] = [
        {"number": a.number, "kind": a.licence_kind, "holder": a.holder,
         "until": a.until.isoformat() if fmt != "table" else vi_date(a.until),
         "days_left": a.days_left, "alert": a.kind if fmt != "table" else ALERT_LABELS[a.kind]}
        for a in found
    ]  # fmt: skip
    _rows_out(rows, fmt)
    if fmt == "table":
        typer.echo(f"{len(rows)} giấy phép cần chú ý trong {days} ngày / licences needing "
                   f"attention within {days} days")  # fmt: skip


def check_licences(
    since: Annotated[str | None, typer.Option(
        "--since", help="Dịch vụ từ ngày (dd/mm/yyyy) / services since")] = None,
    format: Annotated[str, typer.Option("--format", help="table | json | csv")] = "table",
    database_url: DatabaseUrl = None,
) -> None:
    """Kiểm tra người hành nghề trong hồ sơ và đề nghị thanh toán có giấy phép hợp lệ /
    Check that practitioners named in claims and records held a valid certificate."""
    from hoso.access.warehouse_licences import LicenceAccess
    from hoso.warehouse.licences.checks import findings

    fmt, start = _format(format), _day(since, "--since")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            found = findings(LicenceAccess(repo), start)
    finally:
        store.engine.dispose()
    rows = [f.to_json() for f in found]
    if fmt == "table":
        rows = [{k: r[k] for k in ("date", "practitioner", "holder", "facility", "resource",
                                   "reasonText", "detail")} for r in rows]  # fmt: skip
    _rows_out(rows, fmt)
    if fmt == "table":
        typer.echo(f"{len(rows)} phát hiện / findings")
