"""`SqlStore`: the store contract on SQLite or PostgreSQL. Everything goes through one
unit of work (`SqlSession`); the store itself holds only what outlives one: the engine,
the dialect, the hooks the composition root plugged in, and the audit chain's own
committing connection (`SqlAuditLog`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

import sqlalchemy as sa

from hoso.core.errors import QueryTimeout, StoreUnavailable
from hoso.core.settings import Settings
from hoso.fhir.audit_row import AuditRow
from hoso.fhir.store import StoreHooks
from hoso.fhir.visibility import Visibility
from hoso.store import audit_log, migrate
from hoso.store.audit_writer import ChainWriter, chain_writer
from hoso.store.bulk_rows import SqlRowBuilder
from hoso.store.dialect import dialect_of
from hoso.store.engine import WRITE_OPTION, make_engine
from hoso.store.session import SqlSession

__all__ = ["SqlAuditLog", "SqlStore", "make_store"]


class SqlStore:
    def __init__(self, engine: sa.Engine, settings: Settings, hooks: StoreHooks | None = None
                 ) -> None:  # fmt: skip
        self.engine = engine
        self.settings = settings
        self.hooks = hooks or StoreHooks()
        self.dialect = dialect_of(engine)

    @contextmanager
    def unit_of_work(
        self,
        *,
        write: bool = True,
        check_references: bool = True,
        reference_visibility: Visibility | None = None,
    ) -> Iterator[SqlSession]:
        """One transaction: committed when the block ends, rolled back on any error; a
        statement cancelled by the statement timeout becomes `QueryTimeout` (503), a lost
        connection `StoreUnavailable` (503, retry). A read-only unit runs in the
        dialect's cheapest mode (PostgreSQL: no BEGIN and COMMIT round trips)."""
        options = {WRITE_OPTION: write, **({} if write else self.dialect.read_options)}
        try:
            with self.engine.connect().execution_options(**options) as conn, conn.begin():
                session = SqlSession(conn, self.settings, self.dialect, self.hooks,
                                     check_references=check_references,
                                     reference_visibility=reference_visibility)  # fmt: skip
                yield session
                session.verify_references()
                session.publish_changes()
        except sa.exc.DBAPIError as exc:
            if exc.connection_invalidated:
                # No pre-ping per checkout (a round trip per request): a connection the
                # server dropped fails once, is discarded, and the client retries.
                raise StoreUnavailable(
                    "Mất kết nối cơ sở dữ liệu; vui lòng thử lại / The database connection "
                    "was lost; please retry"
                ) from None
            if not self.dialect.timed_out(exc):
                raise
            raise QueryTimeout(
                "Truy vấn chạy quá giới hạn thời gian và đã bị hủy; hãy thu hẹp yêu cầu / The "
                f"query ran past the {self.settings.statement_timeout_ms} ms limit and was "
                "cancelled; narrow the request"
            ) from None

    def row_builder(self) -> SqlRowBuilder:
        return SqlRowBuilder(self.settings, self.hooks, copy_text=self.dialect.copies)

    def reserve_seqs(self, count: int) -> list[int] | None:
        return self.dialect.reserve_seqs(self.engine, count)


class SqlAuditLog:
    """The audit chain outside any record's transaction: the group-commit trail's one
    committing connection (reads' and refusals' entries), verification and the head."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._writer: ChainWriter | None = None  # a driver connection of its own

    def append(self, rows: Sequence[AuditRow]) -> None:
        """Append and commit `rows` (the group-commit trail's one committing thread)."""
        with self._lock:
            if self._writer is None:
                self._writer = chain_writer(self.store.engine, self.store.settings.audit_key)
            try:
                self._writer.append(rows)
            except Exception:
                self._close()  # a failed connection is not reused; the caller sees why
                raise

    def close(self) -> None:
        """Give the connection back (the trail calls this when it stops)."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            with suppress(Exception):  # already broken: nothing left to give back
                writer.close()

    def verify(self) -> audit_log.ChainReport:
        with self.store.engine.connect() as conn, conn.begin():
            return audit_log.verify(conn, self.store.settings.audit_key)

    def head(self) -> tuple[int, str]:
        with self.store.engine.connect() as conn, conn.begin():
            return audit_log.head(conn)


def make_store(
    database_url: str | None = None,
    settings: Settings | None = None,
    hooks: StoreHooks | None = None,
) -> SqlStore:
    """Build the store and bring its schema to the latest migration."""
    settings = settings or Settings.from_env(database_url)
    engine = make_engine(database_url or settings.database_url)
    migrate.upgrade(engine)
    return SqlStore(engine, settings, hooks)
