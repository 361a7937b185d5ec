"""Snapshots of sorted result sets, for paging that survives concurrent writes.

Why not keyset paging on (sort values…, seq)? A resource whose sort value changes
between two pages moves across the page boundary and is then skipped or returned
twice. So the first page of a sorted search that has more than one page stores the
whole ordered list of matching `seq`s (`INSERT … SELECT row_number() OVER (ORDER BY
…)`, one statement, no round trips) in `search_snapshot`, and every page, the first
included, is read from it by position. Each page re-applies the search's filters to
the current rows, so a resource deleted or changed so that it no longer matches is
left out (never replaced by another), and resources created after the first page are
not added. The cost is one row per match for sorted searches of more than one page.

Snapshots live `SNAPSHOT_TTL_US`; expired rows are purged whenever a new snapshot is
written, and a cursor to an expired snapshot is refused. The snapshot is written in
the caller's transaction, which must therefore commit (a read-only unit of work that
rolls back would lose it, and the next page would find the cursor expired).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from hoso.core import clock
from hoso.core.errors import InvalidRequest
from hoso.store import schema
from hoso.store.sql.search.sort import Ordering

SNAPSHOT_TTL_US = 60 * 60 * 1_000_000  # one hour: long enough to page, short to hold

snap = schema.search_snapshot


def now_us() -> int:
    return int(clock.now().timestamp() * 1_000_000)


def write_snapshot(
    conn: sa.Connection,
    res: sa.FromClause,
    where: list[sa.ColumnElement[bool]],
    order: Ordering,
) -> tuple[str, int]:
    """Store the ordered seqs selected by `where`; returns (search id, creation µs)."""
    created = now_us()
    conn.execute(snap.delete().where(snap.c.created < created - SNAPSHOT_TTL_US))
    search_id = secrets.token_hex(16)
    ordered = (
        sa.select(
            sa.literal(search_id, sa.String(32)),
            sa.func.row_number().over(order_by=order.terms),
            res.c.seq,
            sa.literal(created, sa.BigInteger),
        )
        .select_from(order.source)
        .where(*where)
    )
    conn.execute(
        snap.insert().from_select(["search_id", "position", "res_seq", "created"], ordered)
    )
    return search_id, created


def check_snapshot(conn: sa.Connection, search_id: str, created: int) -> None:
    """Refuse a cursor whose snapshot has expired or was never committed."""
    exists = conn.execute(
        sa.select(snap.c.position).where(snap.c.search_id == search_id).limit(1)
    ).first()
    if exists is None or created < now_us() - SNAPSHOT_TTL_US:
        raise InvalidRequest(
            "Mã trang đã hết hạn, hãy tìm kiếm lại / The page cursor has expired; search again",
            expression=["_cursor"],
        )


def snapshot_page(
    res: sa.FromClause,
    columns: list[sa.ColumnElement[object]],
    where: list[sa.ColumnElement[bool]],
    search_id: str,
    after: int,
    limit: int,
) -> sa.Select[tuple[object, ...]]:
    """The next `limit` still-matching rows after position `after`, with `position`."""
    return (
        sa.select(*columns, snap.c.position)
        .select_from(snap.join(res, res.c.seq == snap.c.res_seq))
        .where(snap.c.search_id == search_id, snap.c.position > after, *where)
        .order_by(snap.c.position)
        .limit(limit)
    )
