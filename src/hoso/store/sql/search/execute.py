"""Run a `SearchQuery`: one page of matches, its includes, the total and the next cursor.

Paging never skips or repeats a resource that keeps matching while others are
created, updated or deleted between pages:

- without `_sort`, results are ordered by `resource.seq`, which an update never
  changes, and the cursor holds the last `seq` returned (keyset: `seq > last`);
- with `_sort`, the order is frozen in a snapshot on the first page (see `snapshot`).

Total policy (`Bundle.total`):

- `_summary=count` or `_count=0`: no matches, the count only (unless `_total=none`);
- `_total=none`: never counted;
- `_total=accurate`: counted on every page;
- default and `_total=estimate`: counted on the first page (free when it is the only
  page) and carried in the cursor to later pages, so they cost no count query.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import sqlalchemy as sa

from hoso.fhir.repository import Hit, SearchPage
from hoso.fhir.search.ir import SearchQuery
from hoso.fhir.visibility import Visibility
from hoso.store import schema
from hoso.store.sql.search.compile import selects_by_index, where_clause
from hoso.store.sql.search.cursor import Cursor, decode_cursor, encode_cursor, query_hash
from hoso.store.sql.search.include import fetch_includes
from hoso.store.sql.search.snapshot import check_snapshot, snapshot_page, write_snapshot
from hoso.store.sql.search.sort import ordering
from hoso.store.sql.visibility import viewer_key

__all__ = ["execute_any", "execute_search"]

_RES = schema.resource
_COLUMNS: list[sa.ColumnElement[object]] = [
    _RES.c.seq,
    _RES.c.resource_type,
    _RES.c.id,
    _RES.c.content,
    _RES.c.patient_id,
]
Where = list[sa.ColumnElement[bool]]


def execute_search(
    conn: sa.Connection,
    query: SearchQuery,
    *,
    cursor: str | None,
    default_count: int = 20,
    max_count: int = 1000,
    visibility: Visibility | None = None,
) -> SearchPage:
    """One page of `query`, continuing after `cursor` (from a previous page's
    `next_cursor`). Sorted searches of several pages write a snapshot in `conn`'s
    transaction, which must commit for the cursor to work."""
    where = where_clause(query, _RES, visibility)
    viewer = viewer_key(visibility)
    size = min(default_count if query.count is None else query.count, max_count)
    if query.summary == "count" or size == 0:
        counted = query.total != "none" or query.summary == "count"
        total = _count(conn, where) if counted else None
        return SearchPage([], [], total, None, ignored=query.ignored)
    state = decode_cursor(cursor, query, viewer) if cursor else None
    known_total = _selective_total(conn, query, where, state)
    rows, following = _page(conn, query, where, size, state, known_total, viewer)
    if known_total is not None and query.total != "accurate":
        total: int | None = known_total
    else:
        total = _total(conn, query, where, state, len(rows), more=following is not None)
    if following is not None and total is not None:
        following = dataclasses.replace(following, total=total)
    includes = fetch_includes(conn, query, rows, max_count, visibility)
    return SearchPage(
        matches=_hits(rows),
        includes=_hits(includes),
        total=total,
        next_cursor=encode_cursor(following) if following else None,
        ignored=query.ignored,
    )


# Up to this many matches, an unsorted page is cut from the sorted matches rather than
# by walking the primary key in order (see `_keyset_page`).
SELECTIVE = 5000


def _selective_total(
    conn: sa.Connection, query: SearchQuery, where: Where, state: Cursor | None
) -> int | None:
    """The match count, when an unsorted index-filtered search needs it to plan a page."""
    if query.sort or query.total == "none" or not any(map(selects_by_index, query.filters)):
        return None
    if state is not None:
        return state.total
    return _count(conn, where)


def _page(
    conn: sa.Connection,
    query: SearchQuery,
    where: Where,
    size: int,
    state: Cursor | None,
    known_total: int | None = None,
    viewer: str = "",
) -> tuple[list[sa.Row], Cursor | None]:
    if state is not None and state.search_id is not None:
        check_snapshot(conn, state.search_id, state.created)
        return _snapshot_page(conn, where, size, state)
    if state is None and query.sort:
        return _sorted_first_page(conn, query, where, size, viewer)
    after = state.last_seq if state is not None and state.last_seq is not None else None
    selective = known_total is not None and known_total <= SELECTIVE
    return _keyset_page(conn, query, where, size, after, selective=selective, viewer=viewer)


def _keyset_page(
    conn: sa.Connection,
    query: SearchQuery,
    where: Where,
    size: int,
    after: int | None,
    *,
    selective: bool = False,
    viewer: str = "",
) -> tuple[list[sa.Row], Cursor | None]:
    stmt = sa.select(*_COLUMNS).where(*where)
    if after is not None:
        stmt = stmt.where(_RES.c.seq > after)
    # For a few matches, `seq + 0` makes the database collect them and sort: PostgreSQL
    # otherwise may walk the primary key in order, probing each row, when it guesses a
    # rare name to be common (1.9 million index rows, 300 ms). Many matches are dense
    # in that walk, which then stops early and beats sorting them all.
    order = (_RES.c.seq + 0) if selective else _RES.c.seq
    rows = conn.execute(stmt.order_by(order).limit(size + 1)).all()
    if len(rows) <= size:
        return list(rows), None
    rows = rows[:size]
    return list(rows), Cursor(query_hash(query, viewer), last_seq=rows[-1].seq)


def _sorted_first_page(
    conn: sa.Connection, query: SearchQuery, where: Where, size: int, viewer: str
) -> tuple[list[sa.Row], Cursor | None]:
    """A single page needs no snapshot; otherwise freeze the order, then read from it."""
    # The matching seqs, as their own (uncorrelated) subquery over `resource`.
    candidates = sa.select(_RES.c.seq).where(*where).correlate(None)
    order = ordering(query.sort, _RES, query.resource_type, candidates)
    probe = sa.select(*_COLUMNS).select_from(order.source).where(*where)
    rows = conn.execute(probe.order_by(*order.terms).limit(size + 1)).all()
    if len(rows) <= size:
        return list(rows), None
    search_id, created = write_snapshot(conn, _RES, where, order)
    start = Cursor(query_hash(query, viewer), search_id=search_id, position=0, created=created)
    return _snapshot_page(conn, where, size, start)


def _snapshot_page(
    conn: sa.Connection, where: Where, size: int, state: Cursor
) -> tuple[list[sa.Row], Cursor | None]:
    assert state.search_id is not None
    stmt = snapshot_page(_RES, _COLUMNS, where, state.search_id, state.position, size + 1)
    rows = conn.execute(stmt).all()
    if len(rows) <= size:
        return list(rows), None
    rows = rows[:size]
    return list(rows), dataclasses.replace(state, position=rows[-1].position)


def _total(
    conn: sa.Connection,
    query: SearchQuery,
    where: Where,
    state: Cursor | None,
    page_length: int,
    *,
    more: bool,
) -> int | None:
    if query.total == "none":
        return None
    if query.total == "accurate" or state is None:
        if state is None and not more:
            return page_length  # the first page is the whole result
        return _count(conn, where)
    return state.total


def _count(conn: sa.Connection, where: Where) -> int:
    counting = sa.select(sa.func.count()).select_from(_RES).where(*where)
    return int(conn.execute(counting).scalar_one())


def _hits(rows: Sequence[sa.Row]) -> list[Hit]:
    return [Hit(row.resource_type, row.id, row.content, row.patient_id) for row in rows]


def execute_any(
    conn: sa.Connection,
    queries: Sequence[SearchQuery],
    *,
    default_count: int = 20,
    max_count: int = 1000,
    visibility: Visibility | None = None,
) -> list[Hit]:
    """The resources matching any of `queries`, the first `_count` of each, each once,
    in `seq` order: one statement (the MPI's candidate searches, five of them for every
    Patient created, were five round trips). Only filters count: no paging, includes,
    sort or total."""
    branches = []
    for query in queries:
        size = min(default_count if query.count is None else query.count, max_count)
        where = where_clause(query, _RES, visibility)
        # `seq + 0`: collect the (few) matches and sort them, never walk the primary
        # key probing every row (see `_keyset_page`).
        first = (sa.select(_RES.c.seq).where(*where).order_by(_RES.c.seq + 0).limit(size)
                 .subquery())  # fmt: skip
        # Each branch selects from its own limited subquery: SQLite allows no LIMIT
        # inside a compound SELECT's branches.
        branches.append(sa.select(first.c.seq))
    if not branches:
        return []
    matching = sa.union(*branches).subquery()
    stmt = sa.select(*_COLUMNS).where(_RES.c.seq.in_(sa.select(matching.c.seq)))
    return _hits(conn.execute(stmt.order_by(_RES.c.seq)).all())
