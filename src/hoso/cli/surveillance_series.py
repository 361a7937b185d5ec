"""`hoso surveillance population load FILE.csv | synth` and `hoso surveillance daily`:
the denominators of rates and the daily detection job (issue 18 points 3 and 6), on the
server's machine as the operator, each audited through the surveillance gate."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store
from hoso.core.vi_format import HCMC, vi_number

if TYPE_CHECKING:
    from hoso.store.sql_store import SqlStore

population_app = typer.Typer(help="Dân số theo phường/xã (mẫu số) / Ward populations "
                             "(denominators)", no_args_is_help=True)  # fmt: skip
MAX_FILE = 2 * 1024 * 1024


def _open(database_url: str | None) -> SqlStore:
    import sqlalchemy.exc

    try:
        return open_store(database_url)
    except (sqlalchemy.exc.ArgumentError, sqlalchemy.exc.OperationalError) as exc:
        fail(f"Không mở được cơ sở dữ liệu / Cannot open the database: "
             f"{str(exc).splitlines()[0][:200]}", code=1)  # fmt: skip


def _store_rows(database_url: str | None, rows: list[tuple[str, int, int]], what: str) -> int:
    from hoso.access.audit_record import UPDATE
    from hoso.access.publichealth_surveillance import SurveillanceGate
    from hoso.store.publichealth_series import SqlSurveillance

    store = _open(database_url)
    try:
        table = SqlSurveillance(store.engine)
        with as_operator(store) as repo:
            return SurveillanceGate(table).act(
                repo, UPDATE, "surveillance-population", "ph_population",
                lambda _: table.store_population(rows), lambda n: f"{n} dòng / rows ({what})")
    finally:
        store.engine.dispose()


@population_app.command("load")
def load(file: Annotated[Path, typer.Argument(help="CSV ward,year,population")],
         database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Nạp dân số từ CSV (ward,year,population) / Load populations from a CSV; one bad
    line and nothing is stored (exit 2)."""
    from hoso.core.errors import InvalidRequest
    from hoso.publichealth.series.population import parse_population_csv

    try:
        if file.stat().st_size > MAX_FILE:
            fail(f"Tệp quá {MAX_FILE // 1024} KB / The file is over {MAX_FILE // 1024} KB")
        parsed = parse_population_csv(file.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"Không đọc được tệp / Cannot read the file: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail("Tệp phải là UTF-8 / The file must be UTF-8")
    except InvalidRequest as exc:
        fail(exc.message)
    stored = _store_rows(database_url, [(r.ward, r.year, r.population) for r in parsed],
                         file.name)  # fmt: skip
    typer.echo(f"Đã lưu / stored {vi_number(stored)} dòng / rows")


@population_app.command("synth")
def synth(year: Annotated[list[int], typer.Option(help="Năm / year (lặp lại / repeatable)")],
          total: Annotated[int, typer.Option(help="Dân số toàn thành phố / city total")]
          = 14_000_000, database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Dân số giả lập cho bản demo, theo trọng số của thành phố giả lập / Synthetic
    populations for the demo, weighted as the synthetic city weights its wards."""
    from hoso.publichealth.series.population import synthetic_population
    from hoso.synth.places import all_wards, ward_weight

    if not year or any(not 2000 <= y <= 2100 for y in year) or not 1 <= total <= 10**8:
        fail("Năm từ 2000 đến 2100, dân số từ 1 / years 2000–2100, a total from 1")
    weights = {str(ward.code): ward_weight(ward) for ward in all_wards()}
    rows = synthetic_population(year, lambda code: weights.get(code, 0.0), total)
    stored = _store_rows(database_url, [(r.ward, r.year, r.population) for r in rows],
                         "synthetic")  # fmt: skip
    typer.echo(f"Đã lưu / stored {vi_number(stored)} dòng / rows")


def daily(day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (mặc định hôm "
                                                  "nay / default today, HCMC)")] = None,
          format: Annotated[str, typer.Option("--format", help="text | json")] = "text",
          database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Chạy phát hiện dịch hằng ngày / Run the daily detection: every enabled disease ×
    ward (and the city) × method; alarms become signals, foci are suggested; then the
    follow-ups that are over are closed (what `hoso serve` does once a day)."""
    from hoso.cli.daily_jobs import run_daily_jobs
    from hoso.publichealth.daily import DailyRun

    try:
        when = date.fromisoformat(day) if day else datetime.now(HCMC).date()
    except ValueError:
        fail("--date là ngày YYYY-MM-DD / --date is a date YYYY-MM-DD")
    if format not in ("text", "json"):
        fail("--format là text hoặc json / --format is text or json")
    store = _open(database_url)
    try:
        with as_operator(store) as repo:
            done: DailyRun = run_daily_jobs(store, repo, when)
    finally:
        store.engine.dispose()
    if format == "json":
        typer.echo(json.dumps({k: getattr(done, k) for k in DailyRun.__dataclass_fields__}))
        return
    typer.echo(f"Ngày / day {done.day}, tuần / week {done.week}: {done.diseases} bệnh / "
               f"diseases, {vi_number(done.series)} chuỗi / series, {done.alarms} cảnh báo / "
               f"alarms, {done.signals_added} tín hiệu mới / new signals, "
               f"{done.foci_suggested} ổ dịch đề xuất / foci suggested "
               f"({vi_number(done.seconds, 2)} s)")  # fmt: skip
