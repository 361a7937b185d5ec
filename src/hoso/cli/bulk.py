"""`hoso export DIR`: a system-level bulk export on the server's machine, as the
operator (`operator:<OS user>`, scope `system/*.rs`), through the same access layer and
audit trail as `$export` over HTTP. Registered on the main app by `hoso.cli`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store

if TYPE_CHECKING:
    from hoso.access.bulk_access import BulkExportAccess
    from hoso.bulk.export import ExportResult


def export(
    out: Annotated[Path, typer.Argument(help="Thư mục ghi tệp NDJSON / output folder")],
    types: Annotated[
        str | None, typer.Option("--type", help="Loại tài nguyên / types, e.g. Patient,Condition")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Chỉ tài nguyên cập nhật sau / only updated after (instant)")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Xuất toàn bộ dữ liệu ra NDJSON / Export every record to NDJSON files (audited)."""
    from hoso.access.bulk_access import BulkExportAccess

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        fail(f"Thư mục phải trống hoặc chưa có / DIR must be empty or not exist yet: {out}")
    params = {k: [v] for k, v in (("_type", types), ("_since", since)) if v is not None}
    url = "hoso export" + "".join(f" --{k.strip('_')} {v[0]}" for k, v in params.items())
    store = open_store(database_url)
    try:
        # The operator reads `system/*.rs`; the trail is closed (every entry committed)
        # before the engine is disposed.
        with as_operator(store, ("system/*.rs",)) as repo:
            result = _export_audited(BulkExportAccess(repo), out, url, params)
    finally:
        store.engine.dispose()
    for f in result.files:
        typer.echo(f"{f.name}: {f.count}")
    typer.echo(f"Tổng / total: {result.total} ({len(result.files)} tệp / files) → {out}")


def _export_audited(
    access: BulkExportAccess, out: Path, url: str, params: dict[str, list[str]]
) -> ExportResult:
    """Plan, write the files and the manifest; the audit trail records the export as
    completed with its files, or as failed."""
    from hoso.access.bulk_access import SYSTEM
    from hoso.bulk.export import manifest, write_export
    from hoso.bulk.request import parse_export
    from hoso.core import clock, jsonx
    from hoso.core.errors import FhirError

    try:
        plan = access.plan(lambda: parse_export(SYSTEM, url, params), "$export")
    except FhirError as exc:
        fail(f"Tham số không hợp lệ / Invalid arguments: {exc.message}")
    started = clock.now_us()
    try:
        result = write_export(access, plan, out)
    except Exception as exc:
        access.failed(plan.request, type(exc).__name__)
        raise
    files = [str((out / f.name).resolve()) for f in result.files]
    patients = None if result.patients is None else sorted(result.patients)
    access.completed(plan, files, result.total, patients)
    body = manifest(plan, result, started, lambda name: name)
    (out / "manifest.json").write_bytes(jsonx.dumps(body))
    return result
