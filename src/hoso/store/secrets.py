"""Secrets the server makes for itself when the operator gave none (a demo deployment):
generated once, kept in the database, so that every process of one deployment agrees."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from hoso.store import schema
from hoso.store.dialect import dialect_of

__all__ = ["server_secret"]

_T = schema.server_secret


def server_secret(engine: sa.Engine, name: str, make: Callable[[], bytes]) -> bytes:
    """The secret `name`, made by `make` the first time any process asks."""
    with engine.begin() as conn:
        dialect_of(conn).lock_keys(conn, [f"server-secret:{name}"])
        found = conn.execute(sa.select(_T.c.value).where(_T.c.name == name)).scalar()
        if found is not None:
            return bytes.fromhex(found)
        value = make()
        conn.execute(_T.insert(), {"name": name, "value": value.hex()})
        return value
