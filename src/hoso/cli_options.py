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


def open_store(database_url: str | None) -> SqlStore:
    from hoso.identity.mpi.patient_index import install_patient_index
    from hoso.ingest.quality import install_quality_check
    from hoso.store.sql_store import make_store

    store = make_store(database_url, Settings.from_env(database_url))
    install_patient_index(store)
    install_quality_check(store)  # every write refreshes its data-quality findings
    return store


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)
