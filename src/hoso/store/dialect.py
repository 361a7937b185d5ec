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


def timed_out(exc: sa.exc.DBAPIError) -> bool:
    """Whether `exc` is a statement cancelled by the statement timeout
    (`hoso.store.engine.install_statement_timeout`) on either database."""
    orig = exc.orig
    if type(orig).__name__ == "QueryCanceled":  # psycopg.errors.QueryCanceled (57014)
        return True
    return type(orig).__module__ == "sqlite3" and "interrupted" in str(orig)


def allow_long_statements(conn: sa.Connection) -> None:
    """Lift the statement timeout for the rest of this transaction (a bulk import's
    COPY runs inside the server but is not one request's lookup)."""
    if is_postgresql(conn):
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
