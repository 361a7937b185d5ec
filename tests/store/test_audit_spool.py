"""The audit spool on both databases: durable at once, chained soon after, each entry
exactly once whatever stops when, and `verify` still catching every edit."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from hoso.fhir.audit_row import AuditRow
from hoso.store import schema
from hoso.store.audit_spool import AuditSpool, drain_spools
from hoso.store.sql_store import SqlAuditLog, SqlStore


def _row(n: int) -> AuditRow:
    return AuditRow(recorded=1_700_000_000_000_000 + n, action="R", subtype="read",
                    outcome="0", agent=f"client:his-{n}", role="facility-system",
                    facility="79001", break_glass=False,
                    content=f'{{"resourceType":"AuditEvent","id":"s{n}"}}',
                    patients=(f"p{n}", "p0"))  # fmt: skip


def _chained(store: SqlStore) -> list[str]:
    e = schema.audit_event
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(e.c.agent).order_by(e.c.seq)).scalars())


def _crash(spool: AuditSpool) -> None:
    """What `kill -9` leaves: the file, unlocked, and no chainer. The thread is made to
    stop without chaining (its last pass finds no file), then the descriptor closes:
    the flock goes with it, as with the process."""
    path = spool.path
    spool._path = path.with_name("gone.log")
    spool._stop.set()
    spool._wake.set()
    spool._thread.join(timeout=10)
    spool._path = path
    os.close(spool._fd)


def test_entries_reach_the_chain_and_the_file_goes_away(store: SqlStore, tmp_path: Path) -> None:
    spool = AuditSpool(store, tmp_path / "spool")
    spool.append([_row(1), _row(2)])
    spool.append([_row(3)])
    assert spool.wait_chained()
    assert _chained(store) == ["client:his-1", "client:his-2", "client:his-3"]
    path = spool.path
    spool.close()
    assert not path.exists()
    report = SqlAuditLog(store).verify()
    assert report.intact and report.checked == 3
    with store.engine.connect() as conn:  # the patients linked as the direct path links them
        linked = conn.execute(sa.select(sa.func.count()).select_from(schema.audit_patient))
        assert linked.scalar_one() == 6


def test_a_crashed_spool_is_chained_once_by_the_next_start(
    store: SqlStore, tmp_path: Path
) -> None:
    folder = tmp_path / "spool"
    dead = AuditSpool(store, folder, interval=3600)  # chains nothing in this test's time
    dead.append([_row(n) for n in range(1, 5)])
    _crash(dead)
    assert _chained(store) == []  # durable on disk only
    with dead.path.open("ab") as f:
        f.write(b'[1700000000000099,"R","read"')  # a line the crash cut short: never acked
    assert drain_spools(store, folder) == 1
    assert _chained(store) == [f"client:his-{n}" for n in range(1, 5)]
    assert not dead.path.exists()
    assert drain_spools(store, folder) == 0  # nothing twice
    assert len(_chained(store)) == 4
    assert SqlAuditLog(store).verify().intact


def test_a_live_spool_is_left_to_its_own_process(store: SqlStore, tmp_path: Path) -> None:
    folder = tmp_path / "spool"
    alive = AuditSpool(store, folder, interval=3600)
    alive.append([_row(1)])
    assert drain_spools(store, folder) == 0 and alive.path.exists()
    alive.close()  # stopping chains what is left
    assert _chained(store) == ["client:his-1"]


def test_a_restart_resumes_after_what_was_already_chained(
    store: SqlStore, tmp_path: Path
) -> None:
    """The position is committed with the entries: a crash after a chaining pass
    re-chains nothing, and what came after is chained by the next start."""
    folder = tmp_path / "spool"
    first = AuditSpool(store, folder)
    first.append([_row(1), _row(2)])
    assert first.wait_chained()
    first._interval = 3600  # from now on its chainer lags
    first.append([_row(3)])
    _crash(first)
    next_start = AuditSpool(store, folder)  # drains the orphan as it starts
    next_start.append([_row(4)])
    assert next_start.wait_chained()
    next_start.close()
    assert sorted(_chained(store)) == [f"client:his-{n}" for n in range(1, 5)]
    assert SqlAuditLog(store).verify().intact


def test_an_edited_entry_is_caught_after_the_spool(store: SqlStore, tmp_path: Path) -> None:
    spool = AuditSpool(store, tmp_path / "spool")
    spool.append([_row(1), _row(2)])
    spool.close()
    e = schema.audit_event
    with store.engine.begin() as conn:
        conn.execute(e.update().where(e.c.seq == 1).values(agent="client:someone-else"))
    assert SqlAuditLog(store).verify().problems == [
        "seq 1: nội dung đã bị sửa / content was altered"
    ]


def test_another_databases_spool_is_never_chained_here(
    store: SqlStore, second_store: SqlStore, tmp_path: Path
) -> None:
    """One folder, two databases: a dead server's entries go to its own chain only."""
    folder = tmp_path / "spool"
    theirs = AuditSpool(second_store, folder, interval=3600)
    theirs.append([_row(1)])
    _crash(theirs)
    assert drain_spools(store, folder) == 0 and theirs.path.exists()
    assert _chained(store) == []
    assert drain_spools(second_store, folder) == 1
    assert _chained(second_store) == ["client:his-1"]
