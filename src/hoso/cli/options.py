"""What every `hoso` command shares: the database and base-URL options, the store they
open and how a command fails (a message on stderr, a non-zero exit)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from hoso.core.settings import Settings

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository
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
    """The store, migrated, with its hooks (`hoso.assembly.open_store`); `base_url` (the
    server's public URL) overrides HOSO_BASE_URL for what the command prints."""
    from dataclasses import replace

    from hoso.assembly import open_store as assemble

    settings = Settings.from_env(database_url)
    if base_url:
        settings = replace(settings, public_base_url=base_url.rstrip("/"))
    return assemble(settings.database_url, settings)


@contextmanager
def as_operator(
    store: SqlStore, scopes: tuple[str, ...] = ("system/*.cruds",)
) -> Iterator[AccessRepository]:
    """The OS user as the server's operator (`operator:<user>`): the access layer every
    command reads and writes residents' records through, its audit trail closed (every
    entry committed) when the command is done."""
    import getpass

    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import operator_repository
    from hoso.store.sql_store import SqlAuditLog

    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        yield operator_repository(store, getpass.getuser(), trail, scopes)
    finally:
        trail.close()


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)
