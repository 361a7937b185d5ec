"""Index values of one resource → rows of the index tables (the write path's half)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hoso.fhir.index_values import IndexValues
from hoso.store import schema

_CUT = schema.MAX_INDEXED_CHARS


def _cut(value: str | None) -> str | None:
    return value[:_CUT] if value is not None else None


def build_rows(values: IndexValues) -> dict[sa.Table, list[dict[str, Any]]]:
    """Rows per table without the common head (res_seq, resource_type, patient_id)."""
    return {
        schema.idx_token: [
            {"param": v.param, "system": _cut(v.system), "code": _cut(v.code), "text": _cut(v.text)}
            for v in values.tokens
        ],
        schema.idx_string: [
            {"param": v.param, "exact": _cut(v.exact), "folded": _cut(v.folded)}
            for v in values.strings
        ],
        schema.idx_date: [{"param": v.param, "low": v.low, "high": v.high} for v in values.dates],
        schema.idx_reference: [
            {
                "param": v.param,
                "target_type": v.target_type,
                "target_id": v.target_id,
                "url": _cut(v.url),
            }
            for v in values.references
        ],
        schema.idx_quantity: [
            {"param": v.param, "value": v.value, "system": v.system, "code": v.code, "unit": v.unit}
            for v in values.quantities
        ],
        schema.idx_uri: [{"param": v.param, "uri": _cut(v.uri)} for v in values.uris],
    }


def replace_index_rows(
    conn: sa.Connection,
    res_seq: int,
    resource_type: str,
    patient_id: str | None,
    values: IndexValues | None,
    *,
    fresh: bool = False,
) -> None:
    """Drop the old rows of `res_seq` and insert the new ones (none for a delete).

    `fresh` says the resource was just inserted, so there are no old rows to drop.
    """
    if not fresh:
        for table in schema.INDEX_TABLES:
            conn.execute(table.delete().where(table.c.res_seq == res_seq))
    if values is None:
        return
    head = {"res_seq": res_seq, "resource_type": resource_type, "patient_id": patient_id}
    for table, rows in build_rows(values).items():
        if rows:
            conn.execute(table.insert(), [{**head, **row} for row in rows])
