"""The audit chain on both databases: appends link up, and editing, deleting,
inserting or truncating entries is reported by `verify`."""

from __future__ import annotations

import sqlalchemy as sa

from hoso.fhir.audit_row import AuditRow
from hoso.store import schema
from hoso.store.sql_store import SqlAuditLog, SqlStore


def _row(n: int, patients: tuple[str, ...] = ("p1",)) -> AuditRow:
    return AuditRow(
        recorded=1_700_000_000_000_000 + n,
        action="R",
        subtype="read",
        outcome="0",
        agent=f"account:bs-{n}",
        role="clinician",
        facility="79001",
        break_glass=False,
        content=f'{{"resourceType":"AuditEvent","id":"e{n}"}}',
        patients=patients,
    )


def _filled(store: SqlStore, n: int = 5) -> SqlAuditLog:
    log = SqlAuditLog(store)
    log.append([_row(1), _row(2, ("p1", "p2"))])
    log.append([_row(i) for i in range(3, n + 1)])
    return log


def test_appends_chain_and_verify_says_intact(store: SqlStore) -> None:
    log = _filled(store)
    report = log.verify()
    assert report.intact, report.problems
    assert report.checked == 5
    assert log.head()[0] == 5
    with store.unit_of_work(write=False) as session:
        trail = session.audit
        assert [seq for seq, _ in trail.for_patient("p2", before=None, count=10)] == [2]
        assert [seq for seq, _ in trail.for_patient("p1", before=4, count=2)] == [3, 2]


def _tamper(store: SqlStore, statement: sa.Executable) -> list[str]:
    with store.engine.begin() as conn:
        conn.execute(statement)
    return SqlAuditLog(store).verify().problems


E = schema.audit_event


def test_an_edited_entry_is_caught(store: SqlStore) -> None:
    _filled(store)
    problems = _tamper(store, E.update().where(E.c.seq == 3).values(agent="account:someone"))
    assert problems == ["seq 3: nội dung đã bị sửa / content was altered"]


def test_an_edited_break_glass_flag_or_patient_link_is_caught(store: SqlStore) -> None:
    _filled(store)
    assert _tamper(store, E.update().where(E.c.seq == 2).values(break_glass=True))
    P = schema.audit_patient
    problems = _tamper(store, P.delete().where(P.c.seq == 2, P.c.patient_id == "p2"))
    assert problems == ["seq 2: nội dung đã bị sửa / content was altered"]


def test_a_deleted_entry_is_caught(store: SqlStore) -> None:
    _filled(store)
    problems = _tamper(store, E.delete().where(E.c.seq == 3))
    assert "seq 3..3: thiếu / missing" in problems
    assert any("seq 4: prev_hash" in p for p in problems)


def test_deleting_the_newest_entries_is_caught_by_the_head(store: SqlStore) -> None:
    _filled(store)
    problems = _tamper(store, E.delete().where(E.c.seq >= 4))
    assert len(problems) == 1 and problems[0].startswith("audit_head seq 5")


def test_a_rewritten_chain_is_caught_when_the_chain_is_keyed(store: SqlStore) -> None:
    """Without the key, recomputing every later hash is not possible."""
    import dataclasses

    keyed = SqlStore(store.engine, dataclasses.replace(store.settings, audit_key=b"k" * 32))
    log = _filled(keyed)
    assert log.verify().intact
    # An attacker rebuilds the chain with plain SHA-256 (no key): every entry fails.
    plain = SqlAuditLog(store)
    with store.engine.begin() as conn:
        conn.execute(E.delete())
        conn.execute(schema.audit_patient.delete())
        conn.execute(schema.audit_head.update().values(seq=0, hash="0" * 64))
    plain.append([_row(i) for i in range(1, 6)])
    assert plain.verify().intact
    assert len(log.verify().problems) == 5


def test_writers_that_do_not_see_each_other_keep_one_chain(store: SqlStore) -> None:
    """Two processes' trails (and writes' own entries) append in turn: each one's idea of
    the head goes stale, and the append must notice, reread it and link correctly."""
    first, second = SqlAuditLog(store), SqlAuditLog(store)
    for n in range(1, 7):
        (first if n % 2 else second).append([_row(n, ("p1", f"p{n}"))])
        if n == 3:
            with store.unit_of_work() as session:  # a write's entry, in its transaction
                session.audit.append([_row(100)])
    first.close()
    second.close()
    report = first.verify()
    assert report.intact, report.problems
    assert report.checked == 7
    with store.engine.connect() as conn:
        owners = conn.execute(
            sa.select(schema.audit_patient.c.patient_id).where(schema.audit_patient.c.seq == 7)
        ).scalars()
        assert sorted(owners) == ["p1", "p6"]
