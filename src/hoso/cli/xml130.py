"""`hoso import-xml130`: back-load a facility's XML 130 / 4750 files (years of them)
through the one intake, as the operator acting for that facility, with a progress bar.
Each file's answer is the gateway's (`maKetQua`, each record's status and messages);
the command exits 1 when any record was refused."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hoso.cli.options import DatabaseUrl, as_operator, open_store, source_files

MAX_FILE_BYTES = 64 * 1024 * 1024


def _xml_files(sources: list[Path]) -> list[Path]:
    return source_files(
        sources, lambda d: sorted(p for p in d.rglob("*") if p.suffix.lower() == ".xml"), "xml"
    )


def import_xml130(
    sources: Annotated[
        list[Path], typer.Argument(help="Tệp hoặc thư mục XML / XML files or folders")
    ],
    facility: Annotated[
        str | None,
        typer.Option(help="Mã cơ sở (MA_CSKCB) các tệp phải thuộc về / the files' facility code"),
    ] = None,
    checkin: Annotated[bool, typer.Option(help="Tệp check-in XML0 / XML0 check-in files")] = False,
    progress: Annotated[bool, typer.Option(help="Thanh tiến độ / progress bar")] = True,
    database_url: DatabaseUrl = None,
) -> None:
    """Nạp hồ sơ XML 130/4750 / Load XML 130/4750 files through the intake."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from hoso.ingest.xml130_intake import take_xml130

    files = _xml_files(sources)
    store = open_store(database_url)
    totals = {"files": 0, "records": 0, "refused": 0}
    columns = (TextColumn("[bold]XML 130"), BarColumn(), MofNCompleteColumn(),
               TextColumn("tệp / files"), TimeRemainingColumn())  # fmt: skip
    try:
        with as_operator(store) as repo, Progress(*columns, disable=not progress) as bar:
            task = bar.add_task("xml130", total=len(files))
            for path in files:
                answer = _one(repo, store, path, facility, checkin, take_xml130)
                _report(path, answer, totals)
                bar.advance(task)
    finally:
        store.engine.dispose()
    typer.echo(f"Tệp / files: {totals['files']}, hồ sơ / records: {totals['records']}, "
               f"bị từ chối / refused: {totals['refused']}")  # fmt: skip
    if totals["refused"]:
        raise typer.Exit(1)


def _one(repo: Any, store: Any, path: Path, facility: str | None, checkin: bool,
         take: Any) -> dict[str, Any]:  # fmt: skip
    if path.stat().st_size > MAX_FILE_BYTES:
        return {"maKetQua": "400", "danhSachHoSo": [], "thongBao": [{
            "bang": "GIAMDINHHS", "dong": None, "truong": None, "mucDo": "error",
            "noiDung": f"tệp lớn hơn {MAX_FILE_BYTES // 2**20} MiB / the file is larger "
                       f"than {MAX_FILE_BYTES // 2**20} MiB"}]}  # fmt: skip
    answer = take(repo, path.read_bytes(), settings=store.settings,
                  base_url=store.settings.public_base_url + "/fhir", facility=facility,
                  checkin=checkin)  # fmt: skip
    return dict(answer.to_json())


def _report(path: Path, answer: dict[str, Any], totals: dict[str, int]) -> None:
    """Refusals and warnings on stderr, one line each, with table, row and field."""
    totals["files"] += 1
    records = answer["danhSachHoSo"]
    totals["records"] += len(records)
    refused = [r for r in records if r["trangThai"] == "rejected"]
    totals["refused"] += len(refused) + (1 if answer["maKetQua"] != "200" and not records else 0)
    for message in answer["thongBao"]:
        typer.echo(f"{path}: {_where(message)}{message['noiDung']}", err=True)
    for record in records:
        for message in record["thongBao"]:
            if message["mucDo"] in ("error", "warning"):
                typer.echo(f"{path} MA_LK={record['maLk']}: {_where(message)}"
                           f"{message['noiDung']}", err=True)  # fmt: skip


def _where(message: dict[str, Any]) -> str:
    parts = [message["bang"]]
    if message.get("dong") is not None:
        parts.append(f"dòng {message['dong']}")
    if message.get("truong"):
        parts.append(message["truong"])
    return f"{message['mucDo']} {' '.join(str(p) for p in parts)}: "
