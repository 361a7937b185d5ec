"""`_sort` → ORDER BY (https://hl7.org/fhir/R4/search.html#sort).

A parameter can have several values per resource, so each key is one value per
resource: the smallest when ascending, the largest when descending (for dates: the
earliest start, or the latest end). Keys are computed once per search as a grouped
subquery joined on `seq`, not as a correlated subquery per row: SQLite would answer
that per row through the (type, param, value) index and turn a sort into N² work.
Resources without a value sort last either way, and `seq` breaks ties so that the
order is total and repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Ordering:
    """What a sorted select reads from (`res` joined with its keys) and its ORDER BY."""

    source: sa.FromClause
    terms: list[sa.ColumnElement[object]]


def _key_values(
    key: SortKey, resource_type: str | None, candidates: sa.Select | None
) -> sa.Subquery:
    """(res_seq, key) for every resource among `candidates` (all when None) that has a
    value for `key`."""
    table = INDEX_TABLE[key.kind].alias()
    if key.kind is Kind.DATE:
        column = table.c.high if key.descending else table.c.low
    else:
        column = table.c[_SORT_COLUMN[key.kind]]
    aggregate = sa.func.max(column) if key.descending else sa.func.min(column)
    values = sa.select(table.c.res_seq, aggregate.label("key")).where(table.c.param == key.code)
    if resource_type is not None:
        values = values.where(table.c.resource_type == resource_type)
    if candidates is not None:
        values = values.where(table.c.res_seq.in_(candidates))
    return values.group_by(table.c.res_seq).subquery()


def ordering(
    keys: tuple[SortKey, ...],
    res: sa.FromClause,
    resource_type: str | None,
    candidates: sa.Select | None = None,
) -> Ordering:
    """The join and ORDER BY terms for `keys`, ending with `seq` as the tie-breaker.

    `candidates` (the seqs the search matches) bounds the key subqueries: without it
    they group every value of the parameter in the store, e.g. the date of every
    Observation of every resident to sort one resident's blood pressures.
    """
    source: sa.FromClause = res
    terms: list[sa.ColumnElement[object]] = []
    for key in keys:
        expression: sa.ColumnElement[object]
        if key.code in (ID, LAST_UPDATED):
            expression = res.c.id if key.code == ID else res.c.last_updated
        else:
            values = _key_values(key, resource_type, candidates)
            source = source.outerjoin(values, values.c.res_seq == res.c.seq)
            expression = values.c.key
        ordered = expression.desc() if key.descending else expression.asc()
        terms.append(ordered.nulls_last())
    terms.append(res.c.seq.asc())
    return Ordering(source, terms)
