"""The rows of a bulk import, in the store's own layout: built off the database (in the
importer's worker processes) by `SqlRowBuilder`, and copied in one transaction per
batch by `copy_batch`.

The rows are exactly those the single write path stores (`hoso.store.write`): the same
validation (`prepare`), version stamping (`versioned`) and derived rows (search index,
care links and consent rules, CCCDs, data-quality findings). On PostgreSQL each table's
rows leave the worker as CSV text for `COPY … FROM STDIN (FORMAT csv)`, written by the
standard library's C `csv` writer (NULL is an unquoted empty field; every text is
quoted, so an empty text stays empty); on SQLite they stay tuples whose first field, the resource
`seq`, the writer fills in.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hoso.core import clock
from hoso.core.settings import Settings
from hoso.fhir.store import PreparedRows, StoreHooks
from hoso.store import schema
from hoso.store.access_rows import access_rows
from hoso.store.dialect import Dialect
from hoso.store.index_rows import build_rows
from hoso.store.quality_rows import issue_rows
from hoso.store.write import cccd_rows, check_id, prepare, versioned

__all__ = ["BULK_TABLES", "SqlRowBuilder", "copy_batch"]

# Every table a bulk import writes, with its columns in the order the rows carry them;
# the first column is always the resource's `seq`.
BULK_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("resource", ("seq", "resource_type", "id", "version", "last_updated", "deleted",
                  "patient_id", "content")),
    ("resource_history", ("res_seq", "resource_type", "id", "version", "last_updated",
                          "method", "deleted", "patient_id", "content")),
    *(
        (t.name, ("res_seq", "resource_type", "param", "patient_id",
                  *(c.name for c in t.columns if c.name not in
                    ("res_seq", "resource_type", "param", "patient_id"))))
        for t in schema.INDEX_TABLES
    ),
    ("care_link", ("res_seq", "patient_id", "facility_ref", "kind", "low", "high",
                   "self_claimed")),
    ("consent_rule", ("res_seq", "patient_id", "effect", "actor_ref", "label_system",
                      "label_code", "purpose", "low", "high")),
    ("patient_cccd", ("res_seq", "cccd", "patient_id")),
    ("cccd_warning", ("res_seq", "patient_id", "version", "cccd", "messages")),
    ("quality_issue", ("res_seq", "resource_type", "patient_id", "rule", "kind", "severity",
                       "expression", "message")),
)  # fmt: skip
TABLE_NUMBER = {name: i for i, (name, _) in enumerate(BULK_TABLES)}
_COLUMNS = [cols for _, cols in BULK_TABLES]


@dataclass(frozen=True)
class SqlRowBuilder:
    """Picklable: sent once to each worker process of an import."""

    settings: Settings
    hooks: StoreHooks
    copy_text: bool  # PostgreSQL: each table's rows as CSV text

    def build(self, resource: dict[str, Any], seq: int, method: str) -> PreparedRows:
        """The rows of `resource` (stamped, id set) as version 1 with row number `seq`."""
        check_id(str(resource.get("resourceType")), str(resource.get("id")))
        warnings = prepare(resource, self.settings, self.hooks)
        stored_resource, values, stored = versioned(resource, 1, clock.now())
        rtype, id, patient_id = stored.resource_type, stored.id, stored.patient_id
        tables: list[list[tuple[Any, ...]]] = [[] for _ in BULK_TABLES]
        tables[0].append((seq, rtype, id, 1, stored.last_updated_us, False, patient_id,
                          stored.content))  # fmt: skip
        tables[1].append((seq, rtype, id, 1, stored.last_updated_us, method, False, patient_id,
                          stored.content))  # fmt: skip
        head = {"res_seq": seq, "resource_type": rtype, "patient_id": patient_id}
        for table, rows in build_rows(values).items():
            self._add(tables, table.name, [{**head, **row} for row in rows])
        derived = access_rows(seq, rtype, patient_id, stored_resource)
        opens_care = derived is not None and derived[0].name == "care_link" and bool(derived[1])
        if derived is not None:
            self._add(tables, derived[0].name, derived[1])
        cccds: tuple[str, ...] = ()
        if rtype == "Patient":
            rows, warning = cccd_rows(self.settings, self.hooks, stored_resource, seq, 1, warnings)
            cccds = tuple(r["cccd"] for r in rows)
            self._add(tables, "patient_cccd", rows)
            self._add(tables, "cccd_warning", [warning] if warning is not None else [])
        if self.hooks.quality is not None:  # the findings a single write would store
            found = issue_rows(seq, rtype, patient_id, self.hooks.quality(stored_resource))
            self._add(tables, "quality_issue", found)
        encoded: list[Any] = [_csv(t) for t in tables] if self.copy_text else tables
        return PreparedRows(rtype, id, patient_id, cccds, opens_care, stored.content, encoded,
                            stored.last_updated_us)

    @staticmethod
    def _add(tables: list[list[tuple[Any, ...]]], name: str, rows: list[dict[str, Any]]) -> None:
        number = TABLE_NUMBER[name]
        tables[number].extend(tuple(row[c] for c in _COLUMNS[number]) for row in rows)


class _Null:
    """NULL for the csv writer. Under QUOTE_NONNUMERIC it quotes `None` like a text (as
    `""`, an empty text to COPY); Python 3.11 has no QUOTE_NOTNULL. The writer leaves
    unquoted what passes as a number, so this object does, and prints as nothing: the
    unquoted empty field COPY … csv reads as NULL."""

    __slots__ = ()

    def __float__(self) -> float:  # only so that the writer leaves the field unquoted
        return 0.0

    def __str__(self) -> str:
        return ""


NULL = _Null()


def _csv(rows: list[tuple[Any, ...]]) -> bytes:
    if not rows:
        return b""
    out = io.StringIO()
    # QUOTE_NONNUMERIC: every text quoted (so "" is an empty text, not NULL), numbers
    # and booleans bare, NULL an unquoted empty field.
    csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(
        tuple(NULL if value is None else value for value in row) for row in rows
    )
    return out.getvalue().encode()


def copy_batch(conn: sa.Connection, dialect: Dialect, items: Sequence[PreparedRows]) -> None:
    """Write every row of `items` in the caller's transaction."""
    if not items:
        return
    if dialect.copies:
        dialect.allow_long_statements(conn)  # a COPY of a whole batch is not a lookup
        _copy(conn, items)
    else:
        _insert(conn, items)


def _copy(conn: sa.Connection, items: Sequence[PreparedRows]) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        for number, (table, columns) in enumerate(BULK_TABLES):
            data = b"".join(item.rows[number] for item in items)
            if data:
                sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
                with cursor.copy(sql) as copy:
                    copy.write(data)


def _insert(conn: sa.Connection, items: Sequence[PreparedRows]) -> None:
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
