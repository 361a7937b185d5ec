"""The audit chain in SQL: append under the head lock, read per resident, verify.

Each row's hash covers its own columns and the previous row's hash, keyed with
`HOSO_AUDIT_KEY` when it is set (HMAC-SHA-256), so that rewriting an entry means
recomputing every later hash, which without the key cannot be done unnoticed. `seq` is
the head's plus one, never a database sequence, so a deleted row leaves a gap; the
head row itself catches the deletion of the newest entries.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from hoso.fhir.audit_row import AuditRow
from hoso.store import schema
from hoso.store.dialect import Dialect

GENESIS = "0" * 64
_E, _P, _H = schema.audit_event, schema.audit_patient, schema.audit_head


def _digest(key: bytes | None, prev: str, seq: int, row: AuditRow) -> str:
    fields = (
        prev,
        str(seq),
        str(row.recorded),
        row.action,
        row.subtype,
        row.outcome,
        row.agent,
        row.role,
        row.facility or "",
        "1" if row.break_glass else "0",
        "\x1f".join(sorted(set(row.patients))),  # as stored: each patient once
        row.content,
    )
    data = "\x1e".join(fields).encode()
    if key:
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def chained(
    rows: Sequence[AuditRow], key: bytes | None, seq: int, prev: str
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The `audit_event` and `audit_patient` rows for `rows` after head (`seq`, `prev`)."""
    events: list[dict[str, object]] = []
    patients: list[dict[str, object]] = []
    for row in rows:
        seq += 1
        digest = _digest(key, prev, seq, row)
        events.append(
            {
                "seq": seq,
                "recorded": row.recorded,
                "action": row.action,
                "subtype": row.subtype,
                "outcome": row.outcome,
                "agent": row.agent,
                "role": row.role,
                "facility": row.facility,
                "break_glass": row.break_glass,
                "content": row.content,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        patients += [{"patient_id": p, "seq": seq} for p in dict.fromkeys(row.patients)]
        prev = digest
    return events, patients


_HEAD = sa.select(_H.c.seq, _H.c.hash).where(_H.c.id == 1)
_HEAD_LOCKED = _HEAD.with_for_update()
_INSERT_EVENTS = _E.insert()
_INSERT_PATIENTS = _P.insert()
_COPY_FROM = 200
_MOVE_HEAD = (
    _H.update()
    .where(_H.c.id == 1)
    .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
)


class SqlAuditTables:
    """The contract's `AuditTables` on one connection, inside a unit of work."""

    def __init__(self, conn: sa.Connection, dialect: Dialect, key: bytes | None) -> None:
        self._conn = conn
        self._dialect = dialect
        self._key = key

    def append(self, rows: Sequence[AuditRow]) -> None:
        """Append in this unit of work: committed with the change it records."""
        append(self._conn, rows, self._key, self._dialect)

    def for_patient(self, patient_id: str, *, before: int | None, count: int
                    ) -> list[tuple[int, str]]:  # fmt: skip
        """(seq, AuditEvent JSON) about one resident, newest first."""
        rows = for_patient(self._conn, patient_id, before=before, count=count)
        return [(int(row.seq), row.content) for row in rows]


# The rest of an append as one statement where arrays can be bound (PostgreSQL): a
# write's own entry then costs two round trips (this and the head lock), not four.
_APPEND_LOCKED = sa.text("""
WITH events AS (
    INSERT INTO audit_event (seq, recorded, action, subtype, outcome, agent, role, facility,
                             break_glass, content, prev_hash, hash)
    SELECT * FROM unnest(CAST(:seq AS bigint[]), CAST(:recorded AS bigint[]),
        CAST(:action AS text[]), CAST(:subtype AS text[]), CAST(:outcome AS text[]),
        CAST(:agent AS text[]), CAST(:role AS text[]), CAST(:facility AS text[]),
        CAST(:break_glass AS boolean[]), CAST(:content AS text[]), CAST(:prev_hash AS text[]),
        CAST(:hash AS text[]))
    RETURNING 1
), patients AS (
    INSERT INTO audit_patient (patient_id, seq)
    SELECT * FROM unnest(CAST(:patient_ids AS text[]), CAST(:patient_seqs AS bigint[]))
    RETURNING 1
)
UPDATE audit_head SET seq = :new_seq, hash = :new_hash WHERE id = 1
""")


def append(conn: sa.Connection, rows: Sequence[AuditRow], key: bytes | None, dialect: Dialect
           ) -> int:  # fmt: skip
    """Append `rows` in order in the caller's transaction; returns the last seq."""
    head = conn.execute(_HEAD_LOCKED).one()
    events, patients = chained(rows, key, int(head.seq), head.hash)
    if not events:
        return int(head.seq)
    last = events[-1]
    if dialect.arrays and len(patients) <= _COPY_FROM:
        params: dict[str, object] = {c: [e[c] for e in events] for c in events[0]}
        conn.execute(_APPEND_LOCKED, params | {
            "patient_ids": [p["patient_id"] for p in patients],
            "patient_seqs": [p["seq"] for p in patients],
            "new_seq": last["seq"], "new_hash": last["hash"]})  # fmt: skip
        return int(str(last["seq"]))
    conn.execute(_INSERT_EVENTS, events)
    if len(patients) > _COPY_FROM and dialect.copies:
        # A bulk import's batch names thousands of residents: COPY, not a row each.
        raw = conn.connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy("COPY audit_patient (patient_id, seq) FROM STDIN") as copy,
        ):
            for p in patients:
                copy.write_row((p["patient_id"], p["seq"]))
    elif patients:
        conn.execute(_INSERT_PATIENTS, patients)
    conn.execute(_MOVE_HEAD, {"new_seq": last["seq"], "new_hash": last["hash"]})
    return int(str(last["seq"]))


def head(conn: sa.Connection) -> tuple[int, str]:
    row = conn.execute(_HEAD).one()
    return int(row.seq), row.hash


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(conn: sa.Connection, key: bytes | None, batch: int = 5000) -> ChainReport:
    """Walk the whole chain; every edit, deletion, insertion or reordering is reported."""
    problems: list[str] = []
    prev, expected, checked = GENESIS, 1, 0
    for event, patients in _walk(conn, batch):
        seq = int(event.seq)
        if seq != expected:
            problems.append(f"seq {expected}..{seq - 1}: thiếu / missing")
        if event.prev_hash != prev:
            problems.append(f"seq {seq}: prev_hash không khớp / prev_hash does not match")
        row = AuditRow(
            event.recorded,
            event.action,
            event.subtype,
            event.outcome,
            event.agent,
            event.role,
            event.facility,
            bool(event.break_glass),
            event.content,
            patients,
        )
        if not hmac.compare_digest(_digest(key, event.prev_hash, seq, row), event.hash):
            problems.append(f"seq {seq}: nội dung đã bị sửa / content was altered")
        prev, expected, checked = event.hash, seq + 1, checked + 1
    head = conn.execute(sa.select(_H.c.seq, _H.c.hash).where(_H.c.id == 1)).first()
    if head is None:
        problems.append("audit_head: mất / missing")
    elif int(head.seq) != expected - 1 or head.hash != prev:
        problems.append(
            f"audit_head seq {head.seq}, chuỗi kết thúc ở {expected - 1} / "
            f"head says {head.seq}, chain ends at {expected - 1}"
        )
    return ChainReport(checked, problems)


def _walk(conn: sa.Connection, batch: int) -> Iterator[tuple[sa.Row, tuple[str, ...]]]:
    after = 0
    while True:
        events = conn.execute(
            sa.select(_E).where(_E.c.seq > after).order_by(_E.c.seq).limit(batch)
        ).all()
        if not events:
            return
        low, high = events[0].seq, events[-1].seq
        owners: dict[int, list[str]] = {}
        for link in conn.execute(sa.select(_P).where(_P.c.seq.between(low, high))):
            owners.setdefault(int(link.seq), []).append(link.patient_id)
        for event in events:
            yield event, tuple(owners.get(int(event.seq), ()))
        after = high


def for_patient(
    conn: sa.Connection, patient_id: str, *, before: int | None, count: int
) -> list[sa.Row]:
    """The newest entries about one resident (before `before`, a seq), newest first."""
    where = [_P.c.patient_id == patient_id]
    if before is not None:
        where.append(_P.c.seq < before)
    seqs = sa.select(_P.c.seq).where(*where).order_by(_P.c.seq.desc()).limit(count)
    return list(conn.execute(sa.select(_E).where(_E.c.seq.in_(seqs)).order_by(_E.c.seq.desc())))
