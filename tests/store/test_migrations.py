"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hoso.store import schema
from hoso.store.sql_store import SqlStore


def test_migrated_schema_matches_the_declared_tables(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []


def test_prefix_index_uses_pattern_ops_on_postgresql(store: SqlStore) -> None:
    indexes = sa.inspect(store.engine).get_indexes("idx_string")
    names = {ix["name"] for ix in indexes}
    assert "ix_idx_string_resource_type_param_folded" in names
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            definition = conn.execute(
                sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                {"n": "ix_idx_string_resource_type_param_folded"},
            ).scalar_one()
        assert "text_pattern_ops" in definition
