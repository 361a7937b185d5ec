"""`hoso db upgrade` (hoso.cli.db), run as a user would run it, on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.engine import make_engine
from tests.cli.conftest import hoso


def test_db_upgrade_creates_the_schema(database_url: str) -> None:
    result = hoso("db", "upgrade", database_url=database_url)
    assert result.returncode == 0, result.stderr
    engine = make_engine(database_url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {"resource", "resource_history", "idx_token", "patient_cccd", "alembic_version"} <= names
