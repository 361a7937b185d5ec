"""What every `hoso` command shares: the database and base-URL options, the store they
open, how a command asks for a secret and how it fails (a message on stderr, a non-zero
exit). Standard output carries only a command's result, so that `TOKEN=$(hoso …)`
captures the result and nothing else."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
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


def read_password(password_env: str | None, *, confirm: bool) -> str:
    """The password from the named environment variable, or asked for (without echo on
    a terminal), twice when `confirm`."""
    import os

    if password_env:
        return os.environ.get(password_env) or fail(
            f"Biến môi trường {password_env} chưa đặt hoặc trống / "
            f"environment variable {password_env} is unset or empty"
        )
    password = ask("Mật khẩu / Password", hidden=True)
    if confirm and ask("Nhập lại mật khẩu / Repeat the password", hidden=True) != password:
        fail("Hai lần nhập không khớp / The two passwords differ")
    return password


def ask(prompt: str, *, hidden: bool) -> str:
    """An answer typed by the person running the command. The prompt goes to stderr and
    nothing goes to stdout: `TOKEN=$(hoso login …)` captures the token alone (Click's
    prompt writes a space to stdout, which ends up in front of the token). On a
    terminal a hidden answer is read without echo; from a pipe, the answer is the next
    line of stdin."""
    import getpass
    import sys

    if hidden and sys.stdin.isatty():
        answer = getpass.getpass(f"{prompt}: ", stream=sys.stderr)
    else:
        typer.echo(f"{prompt}: ", nl=False, err=True)
        line = sys.stdin.readline()
        if not sys.stdin.isatty():
            typer.echo(err=True)  # the piped answer was not echoed: end the prompt's line
        answer = line.rstrip("\r\n")
    return answer or fail(f"Chưa nhập gì / Nothing entered: {prompt}")


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def source_files(sources: list[Path], in_folder: Callable[[Path], list[Path]],
                 kind: str) -> list[Path]:  # fmt: skip
    """Files as given and, for a folder, `in_folder(folder)`; exit 2 naming what is
    missing, or when nothing of `kind` ("ndjson", "xml") was found."""
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            files += in_folder(source)
        elif source.is_file():
            files.append(source)
        else:
            fail(f"Không tìm thấy / not found: {source}", code=2)
    if not files:
        fail(f"Không có tệp .{kind} nào / no .{kind} files", code=2)
    return files

