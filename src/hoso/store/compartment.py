"""A Patient's compartment read by the `patient_id` column every compartment row carries.

The write path sets `patient_id` to the first Patient the resource's compartment
parameters name (CompartmentDefinition order), so one indexed query serves a page; a
resource naming a second Patient only through a later parameter (a rare shared
Appointment, say) is found in the first Patient's compartment only.

`compartment_state` tells whether a compartment changed without reading it, for
revalidating what was built from it (the health book's ETag): two index lookups.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from hoso.fhir.repository import Hit, SearchPage
from hoso.fhir.visibility import Visibility
from hoso.store import schema
from hoso.store.feed_schema import change_feed
from hoso.store.page_token import decode_position, encode_position
from hoso.store.sql.visibility import visibility_predicates


def read_compartment(
    conn: sa.Connection,
    patient_id: str,
    types: Sequence[str],
    *,
    since_us: int | None,
    count: int,
    cursor: str | None,
    visibility: Visibility | None = None,
) -> SearchPage:
    r = schema.resource
    where = [
        r.c.patient_id == patient_id,
        r.c.resource_type.in_([t for t in types if t != "Patient"]),
        r.c.deleted.is_(False),
        *visibility_predicates(visibility, r),
    ]
    if since_us is not None:
        where.append(r.c.last_updated >= since_us)
    position = decode_position(cursor) if cursor else 0
    where.append(r.c.seq > position)
    rows = conn.execute(
        sa.select(r.c.seq, r.c.resource_type, r.c.id, r.c.content, r.c.patient_id)
        .where(*where)
        .order_by(r.c.seq)
        .limit(count + 1)
    ).all()
    more = len(rows) > count
    rows = rows[:count]
    hits = [Hit(row.resource_type, row.id, row.content, row.patient_id) for row in rows]
    # With count 0 (a page the caller already filled) the cursor stays where it was.
    last = rows[-1].seq if rows else position
    return SearchPage(hits, next_cursor=encode_position(last) if more else None)


def compartment_state(conn: sa.Connection, patient_id: str) -> tuple[int, int]:
    """(the last change-feed position naming the Patient, its live resources). Every
    create, update and delete in the compartment publishes a change naming the Patient,
    at a higher position; a resource moved to another Patient names that one, and
    lowers the count instead."""
    f, r = change_feed, schema.resource
    last = sa.select(sa.func.max(f.c.position)).where(f.c.patient_id == patient_id)
    live = (sa.select(sa.func.count()).select_from(r)
            .where(r.c.patient_id == patient_id, r.c.deleted.is_(False)))  # fmt: skip
    row = conn.execute(sa.select(last.scalar_subquery(), live.scalar_subquery())).one()
    return int(row[0] or 0), int(row[1] or 0)
