"""Version history: vread and instance/type/system `_history`, newest first.

Pages are cut by the history row's immutable sequence number, so entries appended while
a client pages never shift what it has still to read.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.fhir.repository import HistoryEntry, HistoryPage, StoredResource
from hoso.fhir.visibility import Visibility
from hoso.store import schema
from hoso.store.page_token import decode_position, encode_position
from hoso.store.sql.visibility import visibility_predicates

h = schema.resource_history


def _stored(row: sa.Row) -> StoredResource:
    return StoredResource(
        row.resource_type,
        row.id,
        row.version,
        row.last_updated,
        row.deleted,
        row.content,
        row.patient_id,
    )


def read_version(
    conn: sa.Connection, resource_type: str, id: str, version: int
) -> StoredResource | None:
    row = conn.execute(
        sa.select(h).where(h.c.resource_type == resource_type, h.c.id == id, h.c.version == version)
    ).first()
    return _stored(row) if row else None


def read_history(
    conn: sa.Connection,
    resource_type: str | None,
    id: str | None,
    since_us: int | None,
    count: int,
    cursor: str | None,
    visibility: Visibility | None = None,
) -> HistoryPage:
    """A page of history; under a `visibility`, only versions of resources whose current
    row it shows, and no total (an older version may still be withheld by the caller)."""
    where = []
    restricted = visibility_predicates(visibility, schema.resource)
    if restricted:
        r = schema.resource.alias()
        shown = sa.select(sa.literal(1)).where(
            r.c.seq == h.c.res_seq, *visibility_predicates(visibility, r)
        )
        where.append(sa.exists(shown).correlate(h))
    if resource_type:
        where.append(h.c.resource_type == resource_type)
    if id:
        where.append(h.c.id == id)
    if since_us is not None:
        where.append(h.c.last_updated >= since_us)
    total = None
    if cursor is None and not restricted:
        total = conn.execute(sa.select(sa.func.count()).select_from(h).where(*where)).scalar_one()
    if cursor is not None:
        where.append(h.c.hseq < decode_position(cursor))
    rows = conn.execute(sa.select(h).where(*where).order_by(h.c.hseq.desc()).limit(count + 1)).all()
    more = len(rows) > count
    rows = rows[:count]
    entries = [HistoryEntry(_stored(row), row.method) for row in rows]
    next_cursor = encode_position(rows[-1].hseq) if more and rows else None
    return HistoryPage(entries, total, next_cursor)
