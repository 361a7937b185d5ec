"""Bulk work on one connection: the store contract's `BulkTables`.

- An import's batch: which (type, id) are stored already, which CCCDs are taken, then
  the prepared rows copied in (`hoso.store.bulk_rows`), and afterwards the references
  that point nowhere.
- A streamed read (bulk export, whole-store jobs): keyset pages on the `(resource_type,
  id)` unique index, so that each page is one short read and memory stays flat. Rows
  come in `id` order within a type, so that exporting, importing into an empty store and
  exporting again gives the same files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from hoso.fhir.store import BulkRow, PreparedRows
from hoso.fhir.visibility import Visibility
from hoso.store import schema
from hoso.store.bulk_rows import copy_batch
from hoso.store.dialect import Dialect
from hoso.store.sql.visibility import visibility_predicates

__all__ = ["ALL_PATIENTS", "SqlBulkTables"]

# `patients` value of a streamed read: any resource in any patient's compartment.
ALL_PATIENTS: tuple[str, ...] = ("*",)


class SqlBulkTables:
    def __init__(self, conn: sa.Connection, dialect: Dialect,
                 changes: list[tuple[Any, ...]] | None = None) -> None:  # fmt: skip
        self._conn = conn
        self._dialect = dialect
        # The unit's change-feed list (`SqlSession`): a batch's rows are new versions too.
        self._changes = changes if changes is not None else []

    def stored_versions(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[bool, str]]:
        """(type, id) → (deleted, content) for the keys already stored: one parameter
        per type (`Dialect.in_list`), since an expanding IN compiles one per id."""
        by_type: dict[str, list[str]] = {}
        for rtype, id in keys:
            by_type.setdefault(rtype, []).append(id)
        found: dict[tuple[str, str], tuple[bool, str]] = {}
        for rtype, ids in by_type.items():
            clause, values = self._dialect.in_list("id", ids)
            sql = f"SELECT id, deleted, content FROM resource WHERE resource_type = :t AND {clause}"
            for id, deleted, content in self._conn.execute(
                sa.text(sql), {"t": rtype, "values": values}
            ):
                found[(rtype, id)] = (bool(deleted), content)
        return found

    def taken_cccds(self, cccds: Sequence[str]) -> dict[str, str]:
        """The CCCDs among `cccds` that already belong to an active Patient → that Patient."""
        clause, values = self._dialect.in_list("cccd", list(cccds))
        rows = self._conn.execute(
            sa.text(f"SELECT cccd, patient_id FROM patient_cccd WHERE {clause}"),
            {"values": values},
        )
        return {cccd: owner for cccd, owner in rows}

    def write_batch(self, items: Sequence[PreparedRows]) -> None:
        copy_batch(self._conn, self._dialect, items)
        self._changes.extend(
            (item.resource_type, item.id, 1, False, item.patient_id, item.last_updated_us)
            for item in items
        )

    def first_new_seq(self) -> int:
        """A row number no earlier row has: rows from here on were written by this
        import (or concurrently), which bounds the reference check to them."""
        maximum = self._conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM resource")
        return int(maximum.scalar_one()) + 1

    def dangling_references(self, from_seq: int, limit: int = 1000) -> list[Any]:
        """References written from `from_seq` on whose target is not stored (or deleted):
        rows of (resource_type, id, param, target_type, target_id)."""
        i, r, t = schema.idx_reference, schema.resource, schema.resource.alias("target")
        live = sa.and_(
            t.c.resource_type == i.c.target_type, t.c.id == i.c.target_id, t.c.deleted == sa.false()
        )
        return list(self._conn.execute(
            sa.select(r.c.resource_type, r.c.id, i.c.param, i.c.target_type, i.c.target_id)
            .select_from(i.join(r, r.c.seq == i.c.res_seq))
            .outerjoin(t, live)
            .where(i.c.res_seq >= from_seq, i.c.target_id.is_not(None), i.c.url.is_(None),
                   t.c.seq.is_(None))
            .limit(limit)
        ))  # fmt: skip

    def current_page(
        self,
        resource_type: str,
        *,
        after: str,
        limit: int,
        since_us: int | None = None,
        patients: Sequence[str] | None = None,
        visibility: Visibility | None = None,
    ) -> list[BulkRow]:
        """Up to `limit` current resources of `resource_type` with ids after `after`,
        that `visibility` shows: last updated after `since_us`; in the compartments of
        `patients` (None: any resource; `ALL_PATIENTS`: any compartment)."""
        r = schema.resource
        where = [r.c.resource_type == resource_type, r.c.deleted.is_(False), r.c.id > after,
                 *visibility_predicates(visibility, r)]  # fmt: skip
        if since_us is not None:
            where.append(r.c.last_updated > since_us)
        if patients is not None and tuple(patients) == ALL_PATIENTS:
            where.append(r.c.patient_id.is_not(None))
        elif patients is not None:
            where.append(r.c.patient_id.in_(list(patients)))
        rows = self._conn.execute(
            sa.select(r.c.id, r.c.content, r.c.patient_id).where(*where).order_by(r.c.id)
            .limit(limit)
        )  # fmt: skip
        return [BulkRow(resource_type, row.id, row.content, row.patient_id) for row in rows]
