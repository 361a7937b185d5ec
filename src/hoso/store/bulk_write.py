"""The database half of a bulk import: copy prepared rows in one transaction per batch.

PostgreSQL gets `COPY … FROM STDIN` (text format, rows encoded by the workers) with
`seq` values reserved from the resource sequence beforehand; SQLite gets `executemany`
inserts in the same transaction, with `seq` numbered from the current maximum under
its write lock (`BEGIN IMMEDIATE`). Either way the rows are exactly those the single
write path stores (`hoso.ingest.bulk_prepare` builds them with the same functions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from hoso.core import jsonx
from hoso.ingest.bulk_prepare import BULK_TABLES, Prepared
from hoso.store import dialect, schema


def is_postgresql(engine: sa.Engine) -> bool:
    return engine.dialect.name == "postgresql"


class SeqReserver:
    """Reserves `resource.seq` values on PostgreSQL outside any transaction (a sequence
    is not transactional), so that workers can number rows before they are copied."""

    def __init__(self, engine: sa.Engine) -> None:
        self._conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._sequence = self._conn.exec_driver_sql(
            "SELECT pg_get_serial_sequence('resource', 'seq')"
        ).scalar_one()

    def take(self, n: int) -> list[int]:
        rows = self._conn.exec_driver_sql(
            "SELECT nextval(%(s)s) FROM generate_series(1, %(n)s)", {"s": self._sequence, "n": n}
        )
        return [int(r[0]) for r in rows]

    def close(self) -> None:
        self._conn.close()


def existing(
    conn: sa.Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[bool, str]]:
    """(type, id) → (deleted, content) for the keys already stored.

    One array (PostgreSQL) or JSON (SQLite) parameter per type: SQLAlchemy's expanding
    IN would compile one bind parameter per id, most of a batch's cost in this process.
    """
    by_type: dict[str, list[str]] = {}
    for rtype, id in keys:
        by_type.setdefault(rtype, []).append(id)
    pg = is_postgresql(conn.engine)
    sql = (
        "SELECT id, deleted, content FROM resource "
        "WHERE resource_type = %(t)s AND id = ANY(%(ids)s)"
        if pg
        else "SELECT id, deleted, content FROM resource WHERE resource_type = ? "
        "AND id IN (SELECT value FROM json_each(?))"
    )
    found: dict[tuple[str, str], tuple[bool, str]] = {}
    for rtype, ids in by_type.items():
        params: Any = {"t": rtype, "ids": ids} if pg else (rtype, jsonx.dumps_str(ids))
        for id, deleted, content in conn.exec_driver_sql(sql, params):
            found[(rtype, id)] = (bool(deleted), content)
    return found


def taken_cccds(conn: sa.Connection, cccds: Sequence[str]) -> dict[str, str]:
    """The CCCDs among `cccds` that already belong to an active Patient → that Patient."""
    columns = "SELECT cccd, patient_id FROM patient_cccd"
    if is_postgresql(conn.engine):
        sql, params = f"{columns} WHERE cccd = ANY(%(c)s)", {"c": list(cccds)}
    else:
        sql = f"{columns} WHERE cccd IN (SELECT value FROM json_each(?))"
        params = (jsonx.dumps_str(list(cccds)),)  # type: ignore[assignment]
    return {cccd: owner for cccd, owner in conn.exec_driver_sql(sql, params).all()}


def copy_batch(conn: sa.Connection, items: Sequence[Prepared]) -> None:
    """Write every row of `items` in the caller's transaction."""
    if not items:
        return
    if is_postgresql(conn.engine):
        dialect.allow_long_statements(conn)  # a COPY of a whole batch is not a lookup
        _copy_postgresql(conn, items)
    else:
        _insert_sqlite(conn, items)


def _copy_postgresql(conn: sa.Connection, items: Sequence[Prepared]) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        for number, (table, columns) in enumerate(BULK_TABLES):
            data = b"".join(item.rows[number] for item in items)
            if not data:
                continue
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(data)


def _insert_sqlite(conn: sa.Connection, items: Sequence[Prepared]) -> None:
    base = conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM resource").scalar_one() + 1
    for number, (table, columns) in enumerate(BULK_TABLES):
        rows: list[tuple[Any, ...]] = [
            (base + i, *row[1:]) for i, item in enumerate(items) for row in item.rows[number]
        ]
        if rows:
            marks = ", ".join("?" * len(columns))
            conn.exec_driver_sql(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )


def first_new_seq(conn: sa.Connection) -> int:
    """A seq no earlier row has: rows from here on were written by this import (or
    concurrently), which bounds the reference check to them."""
    return int(conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM resource").scalar_one()) + 1


def dangling_references(conn: sa.Connection, from_seq: int, limit: int = 1000) -> list[sa.Row]:
    """References written from `from_seq` on whose target is not stored (or deleted)."""
    i, r, t = schema.idx_reference, schema.resource, schema.resource.alias("target")
    return list(
        conn.execute(
            sa.select(r.c.resource_type, r.c.id, i.c.param, i.c.target_type, i.c.target_id)
            .select_from(i.join(r, r.c.seq == i.c.res_seq))
            .outerjoin(
                t,
                sa.and_(
                    t.c.resource_type == i.c.target_type,
                    t.c.id == i.c.target_id,
                    t.c.deleted == sa.false(),
                ),
            )
            .where(
                i.c.res_seq >= from_seq,
                i.c.target_id.is_not(None),
                i.c.url.is_(None),
                t.c.seq.is_(None),
            )
            .limit(limit)
        )
    )
