"""The one module that knows which database it talks to (SQLite or PostgreSQL)."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa


def is_postgresql(conn: sa.Connection) -> bool:
    return conn.dialect.name == "postgresql"


def lock_key(conn: sa.Connection, key: str) -> None:
    """Serialise transactions that use the same `key` until they end.

    Conditional create must not let two requests both see "no match" and both create.
    PostgreSQL gets a transaction-scoped advisory lock; SQLite already serialises
    writers (BEGIN IMMEDIATE), so there is nothing more to do there.
    """
    if not is_postgresql(conn):
        return
    digest = int.from_bytes(
        hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True
    )
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": digest})
