"""Engine construction: the URL forms users type become SQLAlchemy URLs here."""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

WRITE_OPTION = "hoso_write"
# Connections each process keeps open to PostgreSQL: as many as the API runs requests
# at once (`hoso.api.app` sizes its thread pool to this), so that no request waits for
# a connection and none is opened and closed per request (an overflow connection is
# closed when returned to a full pool: under load that was a new backend per request).
POOL_SIZE = 24


@contextmanager
def transaction(engine: sa.Engine, *, write: bool = True) -> Iterator[sa.Connection]:
    """One connection in one transaction for the small tables beside the record (auth,
    sessions, share links); `write` tells the engine's hooks (SQLite takes its write
    lock at BEGIN: `BEGIN IMMEDIATE`) what is coming."""
    with engine.connect().execution_options(**{WRITE_OPTION: write}) as conn, conn.begin():
        yield conn


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
        # No pre-ping (a round trip per checkout): a connection the server dropped
        # fails one request (503, retry) and is replaced (SqlStore.unit_of_work).
        return sa.create_engine(url, pool_size=POOL_SIZE, max_overflow=8, pool_recycle=3600)
    database = sa.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=sa.pool.QueuePool,
        pool_size=POOL_SIZE, max_overflow=8,
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


def install_statement_timeout(engine: sa.Engine, milliseconds: int) -> None:
    """Cancel any statement that runs longer than `milliseconds` on this engine's
    connections (the server's: one request may not hold the database for minutes).

    PostgreSQL enforces `statement_timeout` itself (a connection option, so nothing is
    lost when a transaction rolls back). SQLite has no such setting: a progress handler,
    called every few thousand virtual-machine steps, interrupts the statement once its
    deadline (set as each statement starts) has passed. Connections open already are
    dropped so that every one carries the limit. Both end in `dialect.timed_out`.
    """
    if milliseconds <= 0 or engine in _TIMED:
        return
    _TIMED.add(engine)
    if engine.dialect.name == "postgresql":

        @sa.event.listens_for(engine, "do_connect")
        def _pg_timeout(_dialect, _record, _cargs, cparams) -> None:  # type: ignore[no-untyped-def]
            options = cparams.get("options", "")
            cparams["options"] = f"{options} -c statement_timeout={int(milliseconds)}".strip()

    else:
        seconds = milliseconds / 1000

        @sa.event.listens_for(engine, "connect")
        def _sqlite_handler(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
            deadline = record.info.setdefault("statement_deadline", [math.inf])
            dbapi_conn.set_progress_handler(
                lambda: 1 if time.monotonic() > deadline[0] else 0, _SQLITE_PROGRESS_STEPS
            )

        @sa.event.listens_for(engine, "checkout")
        def _sqlite_idle(_dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
            # Raw driver use (the audit chain's writer) sets no deadline: none applies.
            record.info.setdefault("statement_deadline", [math.inf])[0] = math.inf

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _sqlite_deadline(conn, *_args) -> None:  # type: ignore[no-untyped-def]
            conn.info.setdefault("statement_deadline", [math.inf])[0] = (
                time.monotonic() + seconds
            )

    engine.dispose()


_TIMED: weakref.WeakSet[sa.Engine] = weakref.WeakSet()  # engines that have the limit
# How often SQLite calls the progress handler: every 10,000 VM steps is about every
# 0.1–1 ms of work, cheap next to the statement and fine-grained enough for a deadline.
_SQLITE_PROGRESS_STEPS = 10_000
