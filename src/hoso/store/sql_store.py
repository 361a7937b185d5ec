"""`SqlStore`: the Repository on SQLite or PostgreSQL, one transaction per call."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import sqlalchemy as sa

from hoso.core.errors import Conflict, QueryTimeout
from hoso.core.settings import Settings
from hoso.fhir.audit_row import AuditRow
from hoso.fhir.patch import Patch
from hoso.fhir.quality import QualityCheck
from hoso.fhir.repository import HistoryPage, SearchPage, StoredResource, WriteResult
from hoso.fhir.visibility import Visibility
from hoso.store import audit_log, dialect, migrate
from hoso.store.audit_writer import ChainWriter, chain_writer
from hoso.store.bulk_read import BulkRow, iter_current
from hoso.store.engine import WRITE_OPTION, make_engine
from hoso.store.patient_index import PatientIndex
from hoso.store.session import StoreSession

T = TypeVar("T")


class SqlStore:
    """Owns the engine. Each method is its own unit of work; `unit_of_work()` groups many."""

    def __init__(self, engine: sa.Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        # Set by the composition root: the MPI that decides every Patient create.
        self.patient_index: PatientIndex | None = None
        # Set by the composition root: the data-quality rules every write runs.
        self.quality: QualityCheck | None = None

    @contextmanager
    def unit_of_work(
        self, *, write: bool = True, check_references: bool = True
    ) -> Iterator[StoreSession]:
        """One transaction: committed when the block ends, rolled back on any error; a
        statement cancelled by the statement timeout becomes `QueryTimeout` (503)."""
        options = {WRITE_OPTION: write}
        try:
            with self.engine.connect().execution_options(**options) as conn, conn.begin():
                session = StoreSession(
                    conn,
                    self.settings,
                    check_references=check_references,
                    patient_index=self.patient_index,
                    quality=self.quality,
                )
                yield session
                session.verify_references()
        except sa.exc.DBAPIError as exc:
            if not dialect.timed_out(exc):
                raise
            raise QueryTimeout(
                "Truy vấn chạy quá giới hạn thời gian và đã bị hủy; hãy thu hẹp yêu cầu / The "
                f"query ran past the {self.settings.statement_timeout_ms} ms limit and was "
                "cancelled; narrow the request"
            ) from None

    def _read(self, fn: Callable[[StoreSession], T]) -> T:
        with self.unit_of_work(write=False) as session:
            return fn(session)

    def _write(self, fn: Callable[[StoreSession], T]) -> T:
        with self.unit_of_work() as session:
            return fn(session)

    def read(
        self, resource_type: str, id: str, *, visibility: Visibility | None = None
    ) -> StoredResource:
        return self._read(lambda s: s.read(resource_type, id, visibility=visibility))

    def vread(
        self,
        resource_type: str,
        id: str,
        version: int,
        *,
        visibility: Visibility | None = None,
    ) -> StoredResource:
        return self._read(lambda s: s.vread(resource_type, id, version, visibility=visibility))

    def visible(
        self, resource_type: str, id: str, visibility: Visibility | None, *, live: bool = False
    ) -> bool:
        return self._read(lambda s: s.visible(resource_type, id, visibility, live=live))

    def break_glass_patients(self, agent: str, now_us: int) -> frozenset[str]:
        return self._read(lambda s: s.break_glass_patients(agent, now_us))

    def search(
        self,
        resource_type: str | None,
        params: list[tuple[str, str]],
        *,
        lenient: bool | None = False,
        cursor: str | None = None,
        visibility: Visibility | None = None,
    ) -> SearchPage:
        # A sorted search may store a snapshot of its order: that write needs the
        # write lock up front on SQLite.
        sorted_search = any(name == "_sort" for name, _ in params)
        with self.unit_of_work(write=sorted_search) as session:
            return session.search(
                resource_type, params, lenient=lenient, cursor=cursor, visibility=visibility
            )

    def compartment(
        self,
        patient_id: str,
        types: Sequence[str],
        *,
        since_us: int | None = None,
        count: int = 50,
        cursor: str | None = None,
        visibility: Visibility | None = None,
    ) -> SearchPage:
        return self._read(
            lambda s: s.compartment(
                patient_id,
                types,
                since_us=since_us,
                count=count,
                cursor=cursor,
                visibility=visibility,
            )
        )

    def history(
        self,
        resource_type: str | None,
        id: str | None,
        *,
        since_us: int | None = None,
        count: int | None = None,
        cursor: str | None = None,
        visibility: Visibility | None = None,
    ) -> HistoryPage:
        return self._read(
            lambda s: s.history(
                resource_type,
                id,
                since_us=since_us,
                count=count,
                cursor=cursor,
                visibility=visibility,
            )
        )

    def create(
        self, resource: dict[str, Any], *, if_none_exist: str | None = None, id: str | None = None
    ) -> WriteResult:
        try:
            return self._write(lambda s: s.create(resource, if_none_exist=if_none_exist, id=id))
        except Conflict:
            if not if_none_exist:
                raise
            # Lost a race on a unique CCCD: the winner's record now matches the criteria.
            return self._write(lambda s: s.create(resource, if_none_exist=if_none_exist, id=id))

    def update(
        self,
        resource_type: str,
        id: str,
        resource: dict[str, Any],
        *,
        if_match: int | None = None,
    ) -> WriteResult:
        return self._write(lambda s: s.update(resource_type, id, resource, if_match=if_match))

    def conditional_update(
        self, resource_type: str, criteria: str, resource: dict[str, Any]
    ) -> WriteResult:
        return self._write(lambda s: s.conditional_update(resource_type, criteria, resource))

    def patch(
        self, resource_type: str, id: str, patch: Patch, *, if_match: int | None = None
    ) -> WriteResult:
        return self._write(lambda s: s.patch(resource_type, id, patch, if_match=if_match))

    def delete(self, resource_type: str, id: str) -> StoredResource | None:
        return self._write(lambda s: s.delete(resource_type, id))

    def iter_current(
        self,
        types: Sequence[str],
        *,
        since_us: int | None = None,
        patients: Sequence[str] | None = None,
        visibility: Visibility | None = None,
        batch: int = 1000,
    ) -> Iterator[BulkRow]:
        """Stream current resources for a bulk export, one short read per page
        (`hoso.store.bulk_read`)."""
        return iter_current(
            self.engine,
            types,
            since_us=since_us,
            patients=patients,
            visibility=visibility,
            batch=batch,
        )


class SqlAuditLog:
    """The audit chain's own unit-of-work entry points (reads' entries, verification)."""

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

    def for_patient(
        self, patient_id: str, *, before: int | None, count: int
    ) -> list[tuple[int, str]]:
        """(seq, AuditEvent JSON) about one resident, newest first."""
        with self.store.engine.connect() as conn, conn.begin():
            rows = audit_log.for_patient(conn, patient_id, before=before, count=count)
            return [(int(row.seq), row.content) for row in rows]


def make_store(database_url: str | None = None, settings: Settings | None = None) -> SqlStore:
    """Build the store and bring its schema to the latest migration."""
    settings = settings or Settings.from_env(database_url)
    engine = make_engine(database_url or settings.database_url)
    migrate.upgrade(engine)
    return SqlStore(engine, settings)
