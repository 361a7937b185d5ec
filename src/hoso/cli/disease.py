"""`hoso disease`: the disease definitions in force (`hoso.publichealth.definitions`).

- `add FILE`: a new definition, or a new version of one, from a JSON file; it works at
  once for case detection, the daily detection and tracing;
- `list`: every disease's latest version;
- `seed`: the definitions shipped with Hồ Sơ that the store does not know yet (the
  case-detection worker does this too when it starts).
And `hoso surveillance cases` (the case-detection worker, e.g. `--until-idle` after a
bulk load) and `hoso surveillance officer-ward` (which officers answer for a ward).
All of it as the operator, through the access layer (audited).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store

disease_app = typer.Typer(help="Định nghĩa bệnh truyền nhiễm / Disease definitions")
MAX_FILE_BYTES = 256 * 1024


@disease_app.command("add")
def disease_add(
    file: Annotated[Path, typer.Argument(help="Tệp JSON / JSON file", exists=True,
                                         dir_okay=False, readable=True)],
    database_url: DatabaseUrl = None,
) -> None:
    """Thêm định nghĩa bệnh / Add a disease definition (a new version if it exists)."""
    from hoso.assembly import disease_catalogue
    from hoso.publichealth.definitions import DefinitionError

    if file.stat().st_size > MAX_FILE_BYTES:
        fail(f"Tệp quá lớn (tối đa {MAX_FILE_BYTES} byte) / file too large")
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"Tệp không phải JSON / not a JSON file: {exc}")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            definition, version = disease_catalogue(store, repo).add(document)
    except DefinitionError as exc:
        fail(f"Định nghĩa bệnh sai / invalid disease definition: {exc}")
    finally:
        store.engine.dispose()
    typer.echo(f"{definition.code} v{version}: {definition.name_vi} / {definition.name_en}")


@disease_app.command("list")
def disease_list(database_url: DatabaseUrl = None) -> None:
    """Các bệnh đang áp dụng / The diseases in force."""
    from hoso.assembly import disease_catalogue

    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            current = disease_catalogue(store, repo).current()
    finally:
        store.engine.dispose()
    for s in current:
        d = s.definition
        state = "" if d.enabled else " (tắt / disabled)"
        typer.echo(f"{d.code}\tv{s.version}\t{d.group}\t{d.report_deadline}\t{d.name_vi}{state}")


@disease_app.command("seed")
def disease_seed(database_url: DatabaseUrl = None) -> None:
    """Nạp các định nghĩa kèm theo / Load the shipped definitions the store lacks."""
    from hoso.assembly import disease_catalogue

    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            added = disease_catalogue(store, repo).seed()
    finally:
        store.engine.dispose()
    typer.echo(f"Đã thêm / added: {', '.join(added) or '—'}")


def surveillance_cases(
    until_idle: Annotated[bool, typer.Option(help="Dừng khi hết thay đổi / stop when the "
                                             "feed is read")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Tạo ca bệnh từ hồ sơ / Make case reports from the record (the change feed)."""
    import signal
    import threading

    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import case_detector
    from hoso.store.sql_store import SqlAuditLog

    store = open_store(database_url)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        detector = case_detector(store, trail)
        detector.run(stop, until_idle=until_idle)
        typer.echo(f"Ca mới / new cases: {detector.made}, cập nhật / updated: {detector.updated}")
    finally:
        trail.close()
        store.engine.dispose()


def surveillance_officer_ward(
    officer: Annotated[str, typer.Argument(help="account:<id>")],
    ward: Annotated[str, typer.Argument(help="Mã phường/xã (NSO) / ward code")],
    remove: Annotated[bool, typer.Option(help="Bỏ phân công / remove")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Cán bộ phụ trách phường/xã / The officer answering for a ward (new cases there
    are linked to them)."""
    from hoso.assembly import case_access

    if not officer.startswith("account:") or len(officer) > 140:
        fail("officer: 'account:<id>'")
    if not (ward.isdigit() and len(ward) == 5):
        fail("Mã phường/xã gồm 5 chữ số / a ward code has 5 digits")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            taken = case_access(store, repo).set_officer_ward(officer, ward, add=not remove)
    finally:
        store.engine.dispose()
    typer.echo(f"{officer} {'−' if remove else '+'} {ward}"
               + ("" if remove else f" ({taken} ca đang mở / open cases)"))  # fmt: skip
