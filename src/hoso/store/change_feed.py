"""The change feed on SQL (`hoso.fhir.change_feed`): publishing a unit's changes as its
last statement, and the consumers' cursors, leases and dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from hoso.core import clock, jsonx
from hoso.fhir.change_feed import Change, DeadLetter, FeedStats, LeaseLost
from hoso.store import schema
from hoso.store.feed_schema import change_counter, change_feed, feed_cursor, feed_dead_letter

__all__ = ["SqlChangeFeed", "publish_changes"]

_COLUMNS = "position, resource_type, id, version, deleted, patient_id, committed"
# PostgreSQL: the counter's row lock orders the numbering transactions (see
# `hoso.store.feed_schema`); numbers and rows in one statement, one round trip.
_PUBLISH_PG = sa.text(f"""
WITH n AS (UPDATE change_counter SET position = position + :n WHERE name = 'feed'
           RETURNING position)
INSERT INTO change_feed ({_COLUMNS})
SELECT n.position - :n + v.ord, v.resource_type, v.id, v.version, v.deleted, v.patient_id,
       v.committed
FROM n, jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(ord int, resource_type text, id text,
     version int, deleted boolean, patient_id text, committed bigint)
""")
# SQLite has one writer at a time (BEGIN IMMEDIATE), so the next number is the last one
# plus one; the counter row is PostgreSQL's. (Pruning the feed must keep its last row.)
_PUBLISH_SQLITE = sa.text(f"""
INSERT INTO change_feed ({_COLUMNS})
SELECT (SELECT coalesce(max(position), 0) FROM change_feed) + value ->> '$.ord',
       value ->> '$.resource_type', value ->> '$.id', value ->> '$.version',
       value ->> '$.deleted', value ->> '$.patient_id', value ->> '$.committed'
FROM json_each(:rows)
""")


def publish_changes(conn: sa.Connection, changes: Sequence[tuple[Any, ...]]) -> None:
    """Append `changes` — (type, id, version, deleted, patient_id, committed µs) — to the
    feed as the last statement of a writing transaction: on PostgreSQL the counter row
    stays locked until the commit, so numbers are handed out in commit order."""
    if not changes:
        return
    rows = jsonx.dumps_str([
        {"ord": i + 1, "resource_type": t, "id": id, "version": v, "deleted": d,
         "patient_id": p, "committed": c}
        for i, (t, id, v, d, p, c) in enumerate(changes)
    ])  # fmt: skip
    statement = _PUBLISH_PG if conn.dialect.name == "postgresql" else _PUBLISH_SQLITE
    conn.execute(statement, {"n": len(changes), "rows": rows})


def _with_content() -> sa.Select[Any]:
    """Feed rows with their version's content; a deletion's is the version before it,
    which is what a consumer needs to find its own copy (the business identifier)."""
    f, h = change_feed, schema.resource_history
    version = sa.case((f.c.deleted, f.c.version - 1), else_=f.c.version)
    return sa.select(
        f.c.position, f.c.resource_type, f.c.id, f.c.version, f.c.deleted, f.c.patient_id,
        f.c.committed, h.c.content,
    ).select_from(f.outerjoin(h, sa.and_(
        h.c.resource_type == f.c.resource_type, h.c.id == f.c.id, h.c.version == version,
    )))  # fmt: skip


def _change(row: Any) -> Change:
    return Change(row.position, row.resource_type, row.id, row.version, bool(row.deleted),
                  row.patient_id, row.committed, row.content)  # fmt: skip


class SqlChangeFeed:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # -- cursors and leases -------------------------------------------------------------
    def lease(self, consumer: str, owner: str, now_us: int, lease_us: int, *,
              from_head: bool = False, steal: str | None = None) -> int | None:  # fmt: skip
        c = feed_cursor
        start = self._head() if from_head else 0
        self._conn.execute(
            sa.insert(c).from_select(
                ["consumer", "position", "sent", "rate", "failures", "updated"],
                sa.select(sa.literal(consumer), sa.literal(start), sa.literal(0),
                          sa.literal(0.0), sa.literal(0), sa.literal(now_us))
                .where(~sa.exists().where(c.c.consumer == consumer)),
            )
        )  # fmt: skip
        free = sa.or_(c.c.lease_owner.is_(None), c.c.lease_owner == owner,
                      c.c.lease_until < now_us, c.c.lease_owner == (steal or owner))  # fmt: skip
        taken = self._conn.execute(
            c.update().where(c.c.consumer == consumer, free)
            .values(lease_owner=owner, lease_until=now_us + lease_us)
        )  # fmt: skip
        if taken.rowcount != 1:
            return None
        return int(self._conn.execute(
            sa.select(c.c.position).where(c.c.consumer == consumer)).scalar_one())  # fmt: skip

    def advance(self, consumer: str, owner: str, position: int, *, now_us: int,
                lease_us: int, sent: int, rate: float) -> None:  # fmt: skip
        c = feed_cursor
        moved = self._conn.execute(
            c.update().where(c.c.consumer == consumer, c.c.lease_owner == owner)
            .values(position=sa.func.greatest(c.c.position, position)
                    if self._conn.dialect.name == "postgresql"
                    else sa.func.max(c.c.position, position),
                    lease_until=now_us + lease_us, sent=c.c.sent + sent, rate=rate,
                    failures=0, last_error=None, updated=now_us)
        )  # fmt: skip
        if moved.rowcount != 1:
            raise LeaseLost(consumer)

    def release(self, consumer: str, owner: str) -> None:
        c = feed_cursor
        self._conn.execute(
            c.update().where(c.c.consumer == consumer, c.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )  # fmt: skip

    def note_failure(self, consumer: str, owner: str, error: str | None) -> None:
        c = feed_cursor
        values: dict[str, Any] = {"failures": 0, "last_error": None}
        if error is not None:
            values = {"failures": c.c.failures + 1, "last_error": error[:2000]}
        self._conn.execute(c.update().where(c.c.consumer == consumer, c.c.lease_owner == owner)
                           .values(updated=clock.now_us(), **values))  # fmt: skip

    # -- reading ------------------------------------------------------------------------
    def changes_after(self, position: int, limit: int, *,
                      types: Sequence[str] | None = None) -> list[Change]:  # fmt: skip
        f = change_feed
        query = _with_content().where(f.c.position > position)
        if types is not None:
            query = query.where(f.c.resource_type.in_(list(types)))
        rows = self._conn.execute(query.order_by(f.c.position).limit(limit))
        return [_change(row) for row in rows]

    def for_patient(self, patient_id: str, after: int, limit: int) -> list[Change]:
        """One resident's changes after `after`, in order, without content."""
        f = change_feed
        rows = self._conn.execute(
            sa.select(f.c.position, f.c.resource_type, f.c.id, f.c.version, f.c.deleted,
                      f.c.patient_id, f.c.committed, sa.null().label("content"))
            .where(f.c.patient_id == patient_id, f.c.position > after)
            .order_by(f.c.position).limit(limit)
        )  # fmt: skip
        return [_change(row) for row in rows]

    def latest(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Change]:
        r = schema.resource
        by_type: dict[str, list[str]] = {}
        for rtype, id in dict.fromkeys(keys):
            by_type.setdefault(rtype, []).append(id)
        found: dict[tuple[str, str], Change] = {}
        for rtype, ids in by_type.items():
            rows = self._conn.execute(
                sa.select(r.c.id, r.c.version, r.c.deleted, r.c.patient_id, r.c.last_updated,
                          r.c.content)
                .where(r.c.resource_type == rtype, r.c.id.in_(ids))
            )  # fmt: skip
            for row in rows:
                content = self._before(rtype, row.id, row.version) if row.deleted else row.content
                found[(rtype, row.id)] = Change(0, rtype, row.id, row.version, bool(row.deleted),
                                                row.patient_id, row.last_updated, content)
        return found

    def _before(self, rtype: str, id: str, version: int) -> str | None:
        h = schema.resource_history
        return self._conn.execute(sa.select(h.c.content).where(
            h.c.resource_type == rtype, h.c.id == id, h.c.version == version - 1)).scalar()

    # -- dead letters -------------------------------------------------------------------
    def park(self, consumer: str, change: Change, error: str, now_us: int) -> None:
        d = feed_dead_letter
        key = (d.c.consumer == consumer, d.c.position == change.position)
        updated = self._conn.execute(
            d.update().where(*key).values(attempts=d.c.attempts + 1, error=error[:2000],
                                          last_failed=now_us, status="dead")
        )  # fmt: skip
        if updated.rowcount == 0:
            self._conn.execute(d.insert(), {
                "consumer": consumer, "position": change.position,
                "resource_type": change.resource_type, "id": change.id,
                "version": change.version, "attempts": 1, "error": error[:2000],
                "first_failed": now_us, "last_failed": now_us, "status": "dead",
            })  # fmt: skip

    def dead_letters(self, consumer: str, *, status: str | None = None,
                     limit: int = 100) -> list[DeadLetter]:  # fmt: skip
        d, f = feed_dead_letter, change_feed
        query = (
            sa.select(d, f.c.deleted, f.c.patient_id, f.c.committed)
            .select_from(d.join(f, f.c.position == d.c.position))
            .where(d.c.consumer == consumer)
        )
        if status is not None:
            query = query.where(d.c.status == status)
        rows = self._conn.execute(query.order_by(d.c.position).limit(limit))
        return [
            DeadLetter(consumer, Change(r.position, r.resource_type, r.id, r.version,
                                        bool(r.deleted), r.patient_id, r.committed),
                       r.attempts, r.error, r.first_failed, r.last_failed, r.status)
            for r in rows
        ]  # fmt: skip

    def mark_retry(self, consumer: str, positions: Sequence[int] | None) -> int:
        d = feed_dead_letter
        query = d.update().where(d.c.consumer == consumer)
        if positions is not None:
            query = query.where(d.c.position.in_(list(positions)))
        return int(self._conn.execute(query.values(status="retry")).rowcount)

    def unpark(self, consumer: str, position: int) -> None:
        d = feed_dead_letter
        self._conn.execute(d.delete().where(d.c.consumer == consumer, d.c.position == position))

    # -- figures ------------------------------------------------------------------------
    def stats(self, consumer: str) -> FeedStats:
        c, f, d = feed_cursor, change_feed, feed_dead_letter
        row = self._conn.execute(sa.select(c).where(c.c.consumer == consumer)).first()
        position = int(row.position) if row is not None else 0
        pending, oldest = self._conn.execute(
            sa.select(sa.func.count(), sa.func.min(f.c.committed)).where(f.c.position > position)
        ).one()  # fmt: skip
        dead = self._conn.execute(
            sa.select(sa.func.count()).select_from(d).where(d.c.consumer == consumer)
        ).scalar_one()  # fmt: skip
        return FeedStats(
            consumer, self._head(), position, int(pending), oldest, int(dead),
            int(row.sent) if row else 0, float(row.rate) if row else 0.0,
            int(row.failures) if row else 0, row.last_error if row else None,
            row.lease_owner if row else None, row.lease_until if row else None,
        )

    def _head(self) -> int:
        if self._conn.dialect.name != "postgresql":
            return int(self._conn.execute(sa.select(sa.func.max(change_feed.c.position))
                                          ).scalar() or 0)  # fmt: skip
        return int(self._conn.execute(
            sa.select(change_counter.c.position).where(change_counter.c.name == "feed")
        ).scalar() or 0)  # fmt: skip
