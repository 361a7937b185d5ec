"""What every `hoso` command shares: the database option, the store it opens and how a
command fails (a message on stderr, a non-zero exit)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from hoso.core.settings import Settings

if TYPE_CHECKING:
    from hoso.store.sql_store import SqlStore

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="HOSO_DATABASE_URL",
        help="SQLAlchemy/PostgreSQL URL; mặc định / default sqlite:///var/hoso.db",
    ),
]


BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        envvar="HOSO_BASE_URL",
        help="Địa chỉ công khai của máy chủ / the server's public URL "
        "(default http://127.0.0.1:8000; `hoso serve` uses its --host and --port)",
    ),
]


def open_store(database_url: str | None, base_url: str | None = None) -> SqlStore:
    """The store, migrated, with the MPI and the quality rules plugged in; `base_url`
    (the server's public URL) overrides HOSO_BASE_URL for what the command prints."""
    from dataclasses import replace

    from hoso.identity.mpi.patient_index import install_patient_index
    from hoso.ingest.quality import install_quality_check
    from hoso.store.sql_store import make_store

    settings = Settings.from_env(database_url)
    if base_url:
        settings = replace(settings, public_base_url=base_url.rstrip("/"))
    store = make_store(database_url, settings)
    install_patient_index(store)
    install_quality_check(store)  # every write refreshes its data-quality findings
    return store


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)
