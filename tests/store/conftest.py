"""Store fixtures: `engine` is a fresh, migrated database on SQLite and PostgreSQL.

It reuses the root `database_url` fixture (SQLite file in tmp_path; PostgreSQL
database cloned from the Alembic-migrated template when HOSO_TEST_DATABASE_URL is
set, skipped otherwise), so the parameters are ["sqlite", "postgresql"].
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hoso.store import migrate
from hoso.store.engine import make_engine


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # the schema comes from the migrations, never create_all
    yield engine
    engine.dispose()
