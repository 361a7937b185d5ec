"""`hoso load` and `hoso reindex`: FHIR files into the store, and the search index
rebuilt from the stored records."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, open_store


def load(
    files: Annotated[list[Path], typer.Argument(help="FHIR JSON Bundle hoặc NDJSON")],
    database_url: DatabaseUrl = None,
) -> None:
    """Nạp tệp FHIR / Load FHIR JSON Bundles or NDJSON; prints counts and errors."""
    from hoso.ingest.fhir_files import load_files

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        typer.echo(f"Không tìm thấy tệp / file not found: {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    store = open_store(database_url)
    with as_operator(store) as repo:  # every record written is audited, as over HTTP
        report = load_files(repo, files)
    store.engine.dispose()
    for kind, n in sorted(report.counts.items()):
        typer.echo(f"{kind}: {n}")
    typer.echo(f"Tổng / total: {sum(report.counts.values())}, lỗi / errors: {len(report.errors)}")
    for error in report.errors:
        typer.echo(str(error), err=True)
    if report.errors:
        raise typer.Exit(1)


def reindex(database_url: DatabaseUrl = None) -> None:
    """Dựng lại chỉ mục tìm kiếm / Rebuild all search-index rows."""
    from hoso.access.audit_record import EXECUTE
    from hoso.store.reindex import reindex as run

    store = open_store(database_url)
    # The index is rebuilt from the stored records, none read out: one entry says who
    # ran it and how many were reindexed.
    with as_operator(store) as repo:
        done = repo.guarded(EXECUTE, "reindex", "$reindex", lambda: run(
            store, lambda n: print(f"\r{n}", end="", file=sys.stderr)))  # fmt: skip
        repo.audit(EXECUTE, "reindex", entities=["$reindex"], description=f"{done} resources")
    store.engine.dispose()
    typer.echo(f"\nĐã lập chỉ mục lại / reindexed: {done}")
