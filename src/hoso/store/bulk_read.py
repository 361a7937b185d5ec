"""Streaming the current resources for a bulk export, under a caller's `Visibility`.

Keyset pagination on the `(resource_type, id)` unique index: each page is one short
read transaction of at most `batch` rows after the last id seen, so memory stays flat
and no transaction stays open for the length of an export (a long one would hold back
SQLite's WAL checkpoint and PostgreSQL's vacuum). Rows come in `id` order within a type,
so that exporting, importing into an empty store and exporting again gives the same
files. A resource changed while the export runs is read in its newest version, or not
at all if it was deleted (Bulk Data: `transactionTime` is a lower bound).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from hoso.fhir.visibility import Visibility
from hoso.store import schema
from hoso.store.engine import WRITE_OPTION
from hoso.store.sql.visibility import visibility_predicates

__all__ = ["ALL_PATIENTS", "BulkRow", "iter_current"]

# `patients` value: every resource in any patient's compartment (Patient-level export).
ALL_PATIENTS: tuple[str, ...] = ("*",)
# Bound parameters per page for a patient list: far below SQLite's and PostgreSQL's limits.
PATIENT_CHUNK = 500


@dataclass(frozen=True, slots=True)
class BulkRow:
    resource_type: str
    id: str
    content: str  # canonical JSON, as stored
    patient_id: str | None


def iter_current(
    engine: sa.Engine,
    types: Sequence[str],
    *,
    since_us: int | None = None,
    patients: Sequence[str] | None = None,
    visibility: Visibility | None = None,
    batch: int = 1000,
) -> Iterator[BulkRow]:
    """Current, non-deleted resources of `types` (in that order, by id within a type)
    that `visibility` shows: last updated after `since_us`; in the compartments of
    `patients` (None: any resource; `ALL_PATIENTS`: any compartment). A patient list is
    read in chunks of sorted ids, by id within each chunk: still deterministic."""
    chunks: list[Sequence[str] | None]
    if patients is None or tuple(patients) == ALL_PATIENTS:
        chunks = [patients]
    else:
        ordered = sorted(set(patients))
        chunks = [ordered[i : i + PATIENT_CHUNK] for i in range(0, len(ordered), PATIENT_CHUNK)]
    for resource_type in types:
        for chunk in chunks:
            yield from _pages(engine, resource_type, since_us, chunk, visibility, batch)


def _pages(
    engine: sa.Engine,
    resource_type: str,
    since_us: int | None,
    patients: Sequence[str] | None,
    visibility: Visibility | None,
    batch: int,
) -> Iterator[BulkRow]:
    r = schema.resource
    where = [
        r.c.resource_type == resource_type,
        r.c.deleted.is_(False),
        *visibility_predicates(visibility, r),
    ]
    if since_us is not None:
        where.append(r.c.last_updated > since_us)
    if patients is not None and tuple(patients) == ALL_PATIENTS:
        where.append(r.c.patient_id.is_not(None))
    elif patients is not None:
        where.append(r.c.patient_id.in_(list(patients)))
    statement = (
        sa.select(r.c.id, r.c.content, r.c.patient_id)
        .where(*where, r.c.id > sa.bindparam("after"))
        .order_by(r.c.id)
        .limit(batch)
    )
    after = ""
    while True:
        with engine.connect().execution_options(**{WRITE_OPTION: False}) as conn, conn.begin():
            rows = conn.execute(statement, {"after": after}).all()
        for row in rows:
            yield BulkRow(resource_type, row.id, row.content, row.patient_id)
        if len(rows) < batch:
            return
        after = rows[-1].id
