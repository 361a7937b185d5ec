"""Appending audit entries recorded outside a write (reads, refusals) to the chain,
outside any other transaction, on a driver connection of its own: the audit spool's
chaining thread (hoso.store.audit_spool), or the group-commit trail directly when no
spool is configured (the CLI).

Through SQLAlchemy a one-entry append cost 1.6 ms on SQLite, most of it statement
handling in Python, so this path talks to the driver directly with fixed SQL. SQLite
keeps the head it last wrote and guards the head update with it (the database's one
write lock makes the second try succeed); PostgreSQL locks the head row and copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa

from hoso.fhir.audit_row import AuditRow
from hoso.store.audit_log import chained
from hoso.store.dialect import PostgresDialect, dialect_of

_EVENT_COLUMNS = (
    "seq", "recorded", "action", "subtype", "outcome", "agent", "role", "facility",
    "break_glass", "content", "prev_hash", "hash",
)  # fmt: skip


# (spool file name, byte position after the rows): recorded with the rows it chains.
SpoolCursor = tuple[str, int]


class ChainWriter(Protocol):
    def append(self, rows: Sequence[AuditRow], cursor: SpoolCursor | None = None) -> None: ...
    def spool_position(self, name: str) -> int: ...
    def forget_spool(self, name: str) -> None: ...
    def close(self) -> None: ...


def chain_writer(engine: sa.Engine, key: bytes | None) -> ChainWriter:
    """The writer in the terms of the engine's database (`hoso.store.dialect`)."""
    if isinstance(dialect_of(engine), PostgresDialect):
        return PostgresChainWriter(engine, key)
    return SqliteChainWriter(engine, key)


class SqliteChainWriter:
    """BEGIN IMMEDIATE (the database's one write lock), guarded head update, inserts,
    COMMIT; with `synchronous=FULL` the commit is on disk when it returns."""

    _MOVE_HEAD = "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ? AND hash = ?"
    _INSERT_EVENT = (
        f"INSERT INTO audit_event ({', '.join(_EVENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(_EVENT_COLUMNS))})"
    )
    _INSERT_PATIENT = "INSERT INTO audit_patient (patient_id, seq) VALUES (?, ?)"
    _MOVE_CURSOR = (
        "INSERT INTO audit_spool (name, position) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position"
    )

    def __init__(self, engine: sa.Engine, key: bytes | None) -> None:
        self._raw = engine.raw_connection()  # our connect-time pragmas applied
        self._db: Any = self._raw.driver_connection
        self._key = key
        self._head: tuple[int, str] | None = None

    def append(self, rows: Sequence[AuditRow], cursor: SpoolCursor | None = None) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            head = self._head
            while True:
                if head is None:
                    seq, digest = db.execute(
                        "SELECT seq, hash FROM audit_head WHERE id = 1"
                    ).fetchone()
                    head = (int(seq), str(digest))
                events, patients = chained(rows, self._key, *head)
                if not events:
                    break
                last = events[-1]
                moved = db.execute(self._MOVE_HEAD, (last["seq"], last["hash"], *head)).rowcount
                if moved == 1:  # holding the write lock, the second try always links
                    break
                head = None
            db.executemany(
                self._INSERT_EVENT, [tuple(e[c] for c in _EVENT_COLUMNS) for e in events]
            )
            db.executemany(self._INSERT_PATIENT, [(p["patient_id"], p["seq"]) for p in patients])
            if cursor is not None:
                db.execute(self._MOVE_CURSOR, cursor)
            db.execute("COMMIT")
        except BaseException:
            self._head = None
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if events:
            self._head = (int(str(events[-1]["seq"])), str(events[-1]["hash"]))

    def spool_position(self, name: str) -> int:
        row = self._db.execute("SELECT position FROM audit_spool WHERE name = ?", (name,))
        found = row.fetchone()
        return int(found[0]) if found else 0

    def forget_spool(self, name: str) -> None:
        self._db.execute("DELETE FROM audit_spool WHERE name = ?", (name,))
        self._db.commit()

    def close(self) -> None:
        self._raw.close()


class PostgresChainWriter:
    """One transaction per batch: the head row locked, the entries and their residents
    copied in (`COPY`: psycopg encodes rows in C, where array parameters were encoded
    in Python, a fifth of a busy server process's time), the head and the spool
    position moved. The chain is appended off the request path (the spool's thread, or
    the group-commit trail's committing request), so its round trips cost no answer
    more than one."""

    def __init__(self, engine: sa.Engine, key: bytes | None) -> None:
        self._raw = engine.raw_connection()
        self._db: Any = self._raw.driver_connection
        self._db.autocommit = True  # each append is an explicit transaction
        self._key = key

    def append(self, rows: Sequence[AuditRow], cursor: SpoolCursor | None = None) -> None:
        with self._db.transaction():
            seq, digest = self._db.execute(
                "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
            ).fetchone()
            events, patients = chained(rows, self._key, int(seq), str(digest))
            if not events:
                return
            with self._db.cursor() as cur:
                columns = ", ".join(_EVENT_COLUMNS)
                with cur.copy(f"COPY audit_event ({columns}) FROM STDIN") as copy:
                    for e in events:
                        copy.write_row(tuple(e[c] for c in _EVENT_COLUMNS))
                if patients:
                    with cur.copy("COPY audit_patient (patient_id, seq) FROM STDIN") as copy:
                        for p in patients:
                            copy.write_row((p["patient_id"], p["seq"]))
                cur.execute("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1",
                            (events[-1]["seq"], events[-1]["hash"]))  # fmt: skip
                if cursor is not None:
                    cur.execute(
                        "INSERT INTO audit_spool (name, position) VALUES (%s, %s) "
                        "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                        cursor,
                    )

    def spool_position(self, name: str) -> int:
        found = self._db.execute(
            "SELECT position FROM audit_spool WHERE name = %s", (name,)
        ).fetchone()
        return int(found[0]) if found else 0

    def forget_spool(self, name: str) -> None:
        self._db.execute("DELETE FROM audit_spool WHERE name = %s", (name,))

    def close(self) -> None:
        self._raw.invalidate()  # autocommit was changed: not for the pool
