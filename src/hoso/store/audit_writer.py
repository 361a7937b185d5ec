"""Appending reads' audit entries to the chain, outside any other transaction, on a
driver connection of its own.

The group-commit trail (hoso.access.audit) commits one batch at a time, and every read
waits for its batch. Through SQLAlchemy a one-entry append cost 1.6 ms on SQLite, of
which the commit itself (the fsync that makes it durable) was 0.4 ms; the rest was
statement handling in Python. So this path talks to the driver directly with fixed SQL,
and keeps the head it last wrote: the head update is guarded by it, and when the guard
fails (a write's own entry or another process moved the head) the writer rereads the
head and links again.
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
    """The whole append as one autocommitted statement: one round trip and one commit
    (a round trip costs ~0.5 ms on the 2-core test machine). The inserts happen only if
    the guarded head update matched, so a stale head changes nothing."""

    _APPEND = """
WITH head AS (
    UPDATE audit_head SET seq = %(new_seq)s, hash = %(new_hash)s
    WHERE id = 1 AND seq = %(old_seq)s AND hash = %(old_hash)s
    RETURNING 1
), events AS (
    INSERT INTO audit_event (seq, recorded, action, subtype, outcome, agent, role,
                             facility, break_glass, content, prev_hash, hash)
    SELECT * FROM unnest(
        %(seq)s::bigint[], %(recorded)s::bigint[], %(action)s::text[], %(subtype)s::text[],
        %(outcome)s::text[], %(agent)s::text[], %(role)s::text[], %(facility)s::text[],
        %(break_glass)s::boolean[], %(content)s::text[], %(prev_hash)s::text[],
        %(hash)s::text[])
    WHERE EXISTS (SELECT 1 FROM head)
    RETURNING 1
), patients AS (
    INSERT INTO audit_patient (patient_id, seq)
    SELECT * FROM unnest(%(patient_ids)s::text[], %(patient_seqs)s::bigint[])
    WHERE EXISTS (SELECT 1 FROM head)
    RETURNING 1
), spool AS (
    INSERT INTO audit_spool (name, position)
    SELECT %(spool)s::text, %(position)s::bigint
    WHERE %(spool)s::text IS NOT NULL AND EXISTS (SELECT 1 FROM head)
    ON CONFLICT (name) DO UPDATE SET position = excluded.position
    RETURNING 1
)
SELECT count(*) FROM head
"""

    def __init__(self, engine: sa.Engine, key: bytes | None) -> None:
        self._raw = engine.raw_connection()
        self._db: Any = self._raw.driver_connection
        self._db.autocommit = True
        self._key = key
        self._head: tuple[int, str] | None = None

    def append(self, rows: Sequence[AuditRow], cursor: SpoolCursor | None = None) -> None:
        for _ in range(100):  # writes' own entries and other processes move the head too
            head = self._head or self._read_head()
            events, patients = chained(rows, self._key, *head)
            if not events:
                return
            params: dict[str, object] = {c: [e[c] for e in events] for c in _EVENT_COLUMNS}
            params |= {
                "patient_ids": [p["patient_id"] for p in patients],
                "patient_seqs": [p["seq"] for p in patients],
                "old_seq": head[0],
                "old_hash": head[1],
                "new_seq": events[-1]["seq"],
                "new_hash": events[-1]["hash"],
                "spool": cursor[0] if cursor else None,
                "position": cursor[1] if cursor else None,
            }
            try:
                (linked,) = self._db.execute(self._APPEND, params, prepare=True).fetchone()
            except BaseException:
                self._head = None
                raise
            if linked == 1:
                self._head = (int(str(events[-1]["seq"])), str(events[-1]["hash"]))
                return
            self._head = None
        raise RuntimeError("audit head kept moving: 100 attempts to append failed")

    def _read_head(self) -> tuple[int, str]:
        seq, digest = self._db.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        return int(seq), str(digest)

    def spool_position(self, name: str) -> int:
        found = self._db.execute(
            "SELECT position FROM audit_spool WHERE name = %s", (name,)
        ).fetchone()
        return int(found[0]) if found else 0

    def forget_spool(self, name: str) -> None:
        self._db.execute("DELETE FROM audit_spool WHERE name = %s", (name,))

    def close(self) -> None:
        self._raw.invalidate()  # autocommit was changed: not for the pool
