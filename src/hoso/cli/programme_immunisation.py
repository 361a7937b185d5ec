"""`hoso programmes immunisation`: the immunisation programme's commands, as the
operator, through the access layer (audited).

- `export --month YYYY-MM [--ward W] --out FILE`: the doses given that month to the
  programme's children (of one ward, or every ward), in the national dataset's shape
  (QĐ 3891/QĐ-BYT; HOUSE field list, docs/programmes-immunisation.md): `.xlsx` when FILE
  ends so, else CSV with the Vietnamese column names;
- `cohorts FILE`: the coverage denominators, CSV `ward,birth_year,children`.
Registered on the `programmes` typer app (`hoso.cli.programmes`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store

immunisation_app = typer.Typer(help="Tiêm chủng mở rộng / Immunisation (TCMR)")
MAX_FILE_BYTES = 512 * 1024
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@immunisation_app.command("export")
def export(
    month: Annotated[str, typer.Option(help="Tháng / month YYYY-MM")],
    out: Annotated[Path, typer.Option(help="Tệp ra (.csv hoặc .xlsx) / output file")],
    ward: Annotated[str | None, typer.Option(help="Mã phường/xã / ward code")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Xuất dữ liệu tiêm chủng / Export the month's doses (national dataset shape)."""
    from hoso.access.programme_immunisation import ImmunisationAccess
    from hoso.assembly import programme_access
    from hoso.programmes.immunisation import dataset
    from hoso.programmes.immunisation.station import VaccinationStation, incomplete
    from hoso.store.programme_immunisation import SqlImmunisation

    if not _MONTH.match(month):
        fail("--month: YYYY-MM")
    if ward is not None and not re.fullmatch(r"\d{5}", ward):
        fail("--ward: mã phường/xã 5 chữ số / a 5-digit ward code")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            access = ImmunisationAccess(repo, SqlImmunisation(store.engine),
                                        programme_access(store, repo, None))  # fmt: skip
            rows = VaccinationStation(access).export(month, [ward] if ward else None)
    finally:
        store.engine.dispose()
    if out.suffix.lower() == ".xlsx":
        out.write_bytes(dataset.write_xlsx(rows))
    else:
        out.write_text(dataset.write_csv(rows), encoding="utf-8")
    missing = incomplete(rows)
    typer.echo(f"{len(rows)} mũi tiêm / doses → {out} (thiếu trường bắt buộc / missing "
               f"mandatory fields: {missing})")  # fmt: skip


@immunisation_app.command("cohorts")
def cohorts(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV ward,birth_year,children", exists=True, dir_okay=False, readable=True
        ),
    ],
    source: Annotated[str, typer.Option(help="Nguồn số liệu / where the figures come from")],
    database_url: DatabaseUrl = None,
) -> None:
    """Nạp số trẻ theo năm sinh / Load children per ward and birth year (denominators)."""
    from hoso.access.programme_immunisation import ImmunisationAccess
    from hoso.assembly import programme_access
    from hoso.core.errors import InvalidRequest
    from hoso.programmes.immunisation.coverage import parse_cohorts
    from hoso.store.programme_immunisation import SqlImmunisation

    if file.stat().st_size > MAX_FILE_BYTES:
        fail(f"Tệp quá lớn (tối đa {MAX_FILE_BYTES} byte) / file too large")
    try:
        rows = parse_cohorts(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, InvalidRequest) as exc:
        fail(f"Tệp không hợp lệ / invalid file: {exc}")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            access = ImmunisationAccess(repo, SqlImmunisation(store.engine),
                                        programme_access(store, repo, None))  # fmt: skip
            stored = access.store_cohorts(rows, source)
    finally:
        store.engine.dispose()
    typer.echo(f"Đã nạp / stored: {stored}")
