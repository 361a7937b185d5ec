"""Rebuild every search-index row from stored content (after search parameters change)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from hoso.core import jsonx
from hoso.fhir.indexing import extract_index_values
from hoso.store import schema
from hoso.store.access_rows import replace_access_rows
from hoso.store.index_rows import replace_index_rows
from hoso.store.sql_store import SqlStore

BATCH = 500


def reindex(store: SqlStore, progress: Callable[[int], None] = lambda _n: None) -> int:
    """Re-extract index rows of all current resources, one transaction per batch."""
    r = schema.resource
    done, last_seq = 0, 0
    while True:
        with store.unit_of_work() as session:
            rows = session.conn.execute(
                sa.select(r.c.seq, r.c.resource_type, r.c.patient_id, r.c.content)
                .where(r.c.seq > last_seq, r.c.deleted.is_(False))
                .order_by(r.c.seq)
                .limit(BATCH)
            ).all()
            for row in rows:
                resource = jsonx.loads(row.content)
                values = extract_index_values(resource)
                replace_index_rows(session.conn, row.seq, row.resource_type, row.patient_id, values)
                replace_access_rows(
                    session.conn, row.seq, row.resource_type, row.patient_id, resource
                )
        if not rows:
            return done
        done += len(rows)
        last_seq = rows[-1].seq
        progress(done)
