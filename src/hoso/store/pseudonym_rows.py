"""SQL of the pseudonym index (schema `pseudonym_alias`): what a de-identified view
handed out, looked up when a caller sends a pseudonym back."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hoso.store import auth_schema

__all__ = ["SqlPseudonymAliases"]

_A = auth_schema.pseudonym_alias


class SqlPseudonymAliases:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def remember(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """(key_fp, resource_type, alias, resource_id) rows; one already known is kept."""
        if not rows:
            return
        values = [dict(zip(("key_fp", "resource_type", "alias", "resource_id"), row,
                           strict=True)) for row in rows]  # fmt: skip
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(_A).values(values).on_conflict_do_nothing()
        self.conn.execute(insert)

    def lookup(self, key_fp: str, resource_type: str, alias: str) -> str | None:
        query = sa.select(_A.c.resource_id).where(
            _A.c.key_fp == key_fp, _A.c.resource_type == resource_type, _A.c.alias == alias
        )
        return self.conn.execute(query).scalar_one_or_none()
