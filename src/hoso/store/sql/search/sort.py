"""`_sort` → ORDER BY (https://hl7.org/fhir/R4/search.html#sort).

A parameter can have several values per resource, so each key is a correlated scalar
subquery: the smallest value when ascending, the largest when descending (for dates:
the earliest start, or the latest end). Resources without a value sort last either
way, and `seq` breaks ties so that the order is total and repeatable.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.fhir.search.ir import Kind, SortKey
from hoso.fhir.search.lookup import ID, LAST_UPDATED
from hoso.store.sql.search.compile import INDEX_TABLE

_SORT_COLUMN: dict[Kind, str] = {
    Kind.STRING: "folded",
    Kind.TOKEN: "code",
    Kind.NUMBER: "value",
    Kind.QUANTITY: "value",
    Kind.URI: "uri",
}


def _key_expression(
    key: SortKey, res: sa.FromClause, resource_type: str | None
) -> sa.ColumnElement[object]:
    if key.code == ID:
        return res.c.id
    if key.code == LAST_UPDATED:
        return res.c.last_updated
    table = INDEX_TABLE[key.kind].alias()
    if key.kind is Kind.DATE:
        column = table.c.high if key.descending else table.c.low
    else:
        column = table.c[_SORT_COLUMN[key.kind]]
    aggregate = sa.func.max(column) if key.descending else sa.func.min(column)
    value = (
        sa.select(aggregate)
        .where(table.c.res_seq == res.c.seq, table.c.param == key.code)
        .correlate(res)
    )
    if resource_type is not None:
        value = value.where(table.c.resource_type == resource_type)
    return value.scalar_subquery()


def order_by(
    keys: tuple[SortKey, ...], res: sa.FromClause, resource_type: str | None
) -> list[sa.ColumnElement[object]]:
    """ORDER BY terms for `keys`, ending with `seq` as the tie-breaker."""
    terms: list[sa.ColumnElement[object]] = []
    for key in keys:
        expression = _key_expression(key, res, resource_type)
        ordered = expression.desc() if key.descending else expression.asc()
        terms.append(ordered.nulls_last())
    terms.append(res.c.seq.asc())
    return terms
