"""`hoso import`: bulk NDJSON import with a progress bar (rate and time left)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, open_store, source_files

if TYPE_CHECKING:
    from hoso.ingest.bulk_import import ImportProgress, ImportReport


# The order types are written in: what others point at first (facilities, places,
# staff, drugs; the Patient; the episode), what points at results last. The store's
# result does not depend on it, but the change feed's order does: a consumer such as
# the national sync must meet an Organization before the Patient that names it, an
# Encounter before its Conditions. Types not named go between the last two.
TYPE_ORDER = (
    ("Organization", "Location", "Practitioner", "PractitionerRole", "Medication", "Device",
     "HealthcareService", "Endpoint"),
    ("Patient",),
    ("RelatedPerson", "Coverage", "EpisodeOfCare", "Encounter"),
    (),  # everything else
    ("DiagnosticReport", "MedicationDispense", "Composition", "DocumentReference",
     "Provenance"),
)  # fmt: skip


def _ndjson_files(sources: list[Path]) -> list[Path]:
    """Files as given, and the `*.ndjson` files of directories in `TYPE_ORDER`."""

    def rank(path: Path) -> tuple[int, str]:
        found = next((i for i, types in enumerate(TYPE_ORDER) if path.stem in types), 3)
        return found, path.name

    def in_folder(folder: Path) -> list[Path]:
        return sorted(folder.glob("*.ndjson"), key=rank)

    return source_files(sources, in_folder, "ndjson")


def import_command(
    sources: Annotated[
        list[Path], typer.Argument(help="Thư mục hoặc tệp NDJSON / NDJSON directory or files")
    ],
    database_url: DatabaseUrl = None,
    workers: Annotated[
        int | None, typer.Option(help="Số tiến trình kiểm tra / preparing processes (0: this one)")
    ] = None,
    batch: Annotated[
        int, typer.Option(help="Tài nguyên mỗi giao dịch / resources per transaction")
    ] = 5000,
    progress: Annotated[bool, typer.Option(help="Thanh tiến độ / progress bar")] = True,
) -> None:
    """Nạp NDJSON hàng loạt / Bulk-load FHIR NDJSON (resumable; errors per line)."""
    from hoso.access.bulk_import import BulkImportAccess
    from hoso.ingest.bulk_import import ImportOptions, import_ndjson

    files = _ndjson_files(sources)
    store = open_store(database_url)
    with as_operator(store) as repo, _progress_bar(shown=progress) as show:
        importer = BulkImportAccess(repo)
        importer.check_importer()
        options = ImportOptions(workers=workers, batch_resources=batch, progress=show)
        report = import_ndjson(importer, store.settings, files, options)
    store.engine.dispose()
    _print_report(report)
    if report.interrupted:
        typer.echo(
            "Đã dừng; phần đã ghi được giữ, chạy lại để nạp tiếp / "
            "Stopped; what was written is kept, run again to continue",
            err=True,
        )
        raise typer.Exit(130)
    if report.errors:
        raise typer.Exit(1)


@contextmanager
def _progress_bar(shown: bool) -> Iterator[Callable[[ImportProgress], None]]:
    """A bar of the bytes read so far, with the resources written, their rate and the
    time left; it yields the callback the import reports its progress to."""
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]Nạp / import"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TextColumn("{task.fields[written]:,} tài nguyên / resources"),
        TextColumn("{task.fields[rate]:,.0f}/s"),
        TimeRemainingColumn(),
        disable=not shown,
        transient=False,
    ) as bar:
        task = bar.add_task("import", total=None, written=0, rate=0.0)
        started = time.perf_counter()

        def show(p: ImportProgress) -> None:
            elapsed = max(time.perf_counter() - started, 1e-6)
            bar.update(task, total=p.bytes_total, completed=p.bytes_done, written=p.written,
                       rate=p.written / elapsed)  # fmt: skip

        yield show


def _print_report(report: ImportReport) -> None:
    """Counts per type on stdout; the first 50 warnings and every error on stderr."""
    for kind, n in sorted(report.counts.items()):
        typer.echo(f"{kind}: {n}")
    rate = report.written / report.seconds if report.seconds else 0
    typer.echo(
        f"Đã ghi / written: {report.written}, cập nhật / updated: {report.updated}, "
        f"đã có / already stored: {report.skipped}, lỗi / errors: {len(report.errors)}, "
        f"{report.seconds:.1f} s ({rate:,.0f}/s)"
    )
    for warning in report.warnings[:50]:
        typer.echo(f"cảnh báo / warning: {warning}", err=True)
    for error in report.errors:
        typer.echo(str(error), err=True)
