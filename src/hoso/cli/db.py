"""`hoso db upgrade`: bring the database schema to the newest migration."""

from __future__ import annotations

import typer

from hoso.cli.options import DatabaseUrl, open_store

db_app = typer.Typer(help="Cơ sở dữ liệu / Database")


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Nâng cấp lược đồ lên bản mới nhất / Apply all migrations."""
    store = open_store(database_url)  # opening the store runs the migrations
    typer.echo(f"Đã nâng cấp / upgraded: {store.engine.url.render_as_string()}")
