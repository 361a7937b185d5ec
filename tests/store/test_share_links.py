"""The share-link table's SQL (`hoso.store.share_links`) on both databases: a book's
links, revocation within that book only, opens counted atomically and never for a link
revoked or expired; and migration 0017 undone and redone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from alembic import command

from hoso.store.migrate import alembic_config, current_revision, upgrade
from hoso.store.share_links import ShareLinkRow, SqlShareLinks
from hoso.store.sql_store import SqlStore

NOW = 1_800_000_000_000_000  # µs
HOUR = 3_600_000_000


def _add(rows: SqlShareLinks, patient_id: str, digest: str, *, hours: int = 24) -> ShareLinkRow:
    return rows.add(patient_id=patient_id, token_hash=digest, sections=("results", "papers"),
                    include_sensitive=False, created_by="account:p1", created_at=NOW,
                    expires_at=NOW + hours * HOUR)  # fmt: skip


def test_a_books_links_and_their_revocation(store: SqlStore) -> None:
    rows = SqlShareLinks(store.engine)
    first, second = _add(rows, "p1", "a" * 64), _add(rows, "p1", "b" * 64, hours=1)
    other = _add(rows, "p2", "c" * 64)
    assert [r.id for r in rows.active_for("p1", NOW)] == [second.id, first.id]
    assert [r.id for r in rows.active_for("p1", NOW + 2 * HOUR)] == [first.id]  # one expired
    found = rows.by_token_hash("a" * 64)
    assert found is not None and found.sections == ("results", "papers")
    assert found.include_sensitive is False and rows.by_token_hash("d" * 64) is None
    assert rows.revoke("p1", other.id, NOW) is False  # another book's link
    assert rows.revoke("p1", first.id, NOW) is True
    assert rows.revoke("p1", first.id, NOW + 5) is True  # again: the first time is kept
    assert rows.by_token_hash("a" * 64).revoked_at == NOW  # type: ignore[union-attr]
    assert [r.id for r in rows.active_for("p1", NOW)] == [second.id]
    assert [r.id for r in rows.active_for("p2", NOW)] == [other.id]


def test_opens_are_counted_atomically_and_only_while_in_force(store: SqlStore) -> None:
    rows = SqlShareLinks(store.engine)
    link = _add(rows, "p1", "e" * 64, hours=1)
    with ThreadPoolExecutor(4) as pool:
        opened = list(pool.map(lambda _: rows.count_open(link.id, NOW), range(20)))
    assert all(opened)
    counted = rows.by_token_hash("e" * 64)
    assert counted is not None and counted.opened_count == 20 and counted.last_opened_at == NOW
    assert rows.count_open(link.id, NOW + HOUR) is False  # expired
    rows.revoke("p1", link.id, NOW)
    assert rows.count_open(link.id, NOW) is False
    assert rows.by_token_hash("e" * 64).opened_count == 20  # type: ignore[union-attr]


def test_migration_0017_is_undone_and_redone(store: SqlStore) -> None:
    engine = store.engine
    head = current_revision(engine)  # 0017, or whatever later migrations made it
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0016")
    assert current_revision(engine) == "0016"
    assert "share_link" not in sa.inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == head
    assert "share_link" in sa.inspect(engine).get_table_names()
