"""`SearchQuery` → the WHERE clause of one select over `resource`.

Every index filter becomes `resource.seq IN (SELECT res_seq FROM idx_<kind> WHERE
param = … AND (value₁ OR value₂ …))`: uncorrelated, so PostgreSQL can hash or join it
and SQLite can drive the rowid lookup from it. Negations (`:not`, `:missing=true`) are
a correlated `NOT EXISTS` over the same rows. Occurrences of a parameter are separate
predicates (AND); values within one are OR-ed.

PostgreSQL plans each `IN` as a semi-join and searches their join orders: planning time
grew with the cube of their number (80 `name=` parameters: 0.4 s to plan, 3 ms to run).
So past `SEPARATE_FILTERS` positive filters the rest become one `seq IN (… INTERSECT …)`
and past as many negations the rest one `NOT EXISTS (… UNION ALL …)`: both planned in
time linear in the number of parameters (160 of them: 10 ms), while the usual searches,
with a few parameters, keep the plans that let the most selective one drive.

The per-kind modules only say whether one index row matches one value; this module
owns the table choice, the modifiers that apply to whole rows, and chaining.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from hoso.fhir.search.ir import (
    DateValue,
    Filter,
    Kind,
    MissingValue,
    Modifier,
    SearchQuery,
    TokenValue,
    Value,
)
from hoso.fhir.search.lookup import ID, LAST_UPDATED, TYPE
from hoso.fhir.visibility import Visibility
from hoso.store import schema
from hoso.store.sql.search.date import date_condition, range_condition
from hoso.store.sql.search.quantity import quantity_condition
from hoso.store.sql.search.reference import chain_condition, reference_condition
from hoso.store.sql.search.string import string_condition
from hoso.store.sql.search.token import token_condition
from hoso.store.sql.search.uri import uri_condition
from hoso.store.sql.visibility import visibility_predicates

__all__ = ["INDEX_TABLE", "filter_predicate", "where_clause"]

Condition = Callable[[sa.FromClause, Value, Modifier | None], sa.ColumnElement[bool]]

INDEX_TABLE: dict[Kind, sa.Table] = {
    Kind.TOKEN: schema.idx_token,
    Kind.STRING: schema.idx_string,
    Kind.DATE: schema.idx_date,
    Kind.REFERENCE: schema.idx_reference,
    Kind.NUMBER: schema.idx_quantity,
    Kind.QUANTITY: schema.idx_quantity,
    Kind.URI: schema.idx_uri,
}
_CONDITION: dict[Kind, Condition] = {
    Kind.TOKEN: token_condition,
    Kind.STRING: string_condition,
    Kind.DATE: date_condition,
    Kind.REFERENCE: reference_condition,
    Kind.NUMBER: quantity_condition,
    Kind.QUANTITY: quantity_condition,
    Kind.URI: uri_condition,
}


def where_clause(
    query: SearchQuery, res: sa.FromClause, visibility: Visibility | None = None
) -> list[sa.ColumnElement[bool]]:
    """Predicates on `res` (the `resource` table or an alias of it) that select the
    current, non-deleted resources matching `query` that `visibility` lets the caller
    see; combine them with AND. Chained parameters see only visible targets too, so a
    chain cannot probe a resource the caller may not read."""
    predicates: list[sa.ColumnElement[bool]] = [res.c.deleted.is_(False)]
    # A positive index filter already restricts the type inside its subquery; repeating
    # it on `resource` tempts SQLite's planner to scan every resource of the type
    # (36 ms instead of 0.5 ms for a CCCD lookup among 100,000 Patients).
    if query.resource_type is not None and not any(map(selects_by_index, query.filters)):
        predicates.append(res.c.resource_type == query.resource_type)
    within: list[sa.Select[tuple[int]]] = []
    outside: list[sa.Select[tuple[int]]] = []
    for f in query.filters:
        part = _filter_part(f, res, query.resource_type, visibility)
        if isinstance(part, _Within):
            within.append(part.rows)
        elif isinstance(part, _Outside):
            outside.append(part.rows)
        else:
            predicates.append(part)
    predicates += [_in(res, rows) for rows in within[:SEPARATE_FILTERS]]
    if len(within) > SEPARATE_FILTERS:
        predicates.append(res.c.seq.in_(sa.intersect(*within[SEPARATE_FILTERS:])))
    predicates += [_absent(res, rows) for rows in outside[:SEPARATE_FILTERS]]
    if len(outside) > SEPARATE_FILTERS:
        rest = sa.union(*(rows.correlate(None) for rows in outside[SEPARATE_FILTERS:]))
        predicates.append(res.c.seq.not_in(rest))
    return predicates + visibility_predicates(visibility, res)


# Up to this many filters of each kind stay separate predicates (see the module doc).
SEPARATE_FILTERS = 4


def selects_by_index(f: Filter) -> bool:
    """Whether `f` becomes `seq IN (index rows of this type)`."""
    if f.code in (ID, LAST_UPDATED, TYPE) or f.modifier is Modifier.NOT:
        return False
    if f.modifier is Modifier.MISSING:
        value = f.values[0]
        return isinstance(value, MissingValue) and not value.missing
    return True


@dataclass(frozen=True, slots=True)
class _Within:
    """The resource is among these index rows' `res_seq` (uncorrelated)."""

    rows: sa.Select[tuple[int]]


@dataclass(frozen=True, slots=True)
class _Outside:
    """The resource is not among these index rows' `res_seq`: alone, a correlated
    `NOT EXISTS` (an anti-join); folded with others, one `NOT IN (… UNION …)`."""

    rows: sa.Select[tuple[int]]


def filter_predicate(
    f: Filter,
    res: sa.FromClause,
    resource_type: str | None,
    visibility: Visibility | None = None,
) -> sa.ColumnElement[bool]:
    """One parameter occurrence as a predicate on `res`."""
    part = _filter_part(f, res, resource_type, visibility)
    if isinstance(part, _Within):
        return _in(res, part.rows)
    if isinstance(part, _Outside):
        return _absent(res, part.rows)
    return part


def _filter_part(
    f: Filter, res: sa.FromClause, resource_type: str | None, visibility: Visibility | None
) -> _Within | _Outside | sa.ColumnElement[bool]:
    if f.code in (ID, LAST_UPDATED, TYPE):
        return _column_predicate(f, res)
    table = INDEX_TABLE[f.kind].alias()
    rows = sa.select(table.c.res_seq).where(table.c.param == f.code)
    if resource_type is not None:
        rows = rows.where(table.c.resource_type == resource_type)
    if f.chain:
        return _Within(rows.where(sa.or_(*_chain_conditions(f, table, visibility))))
    if f.modifier is Modifier.MISSING:
        value = f.values[0]
        assert isinstance(value, MissingValue)
        return _Outside(rows) if value.missing else _Within(rows)
    condition = _CONDITION[f.kind]
    matching = rows.where(sa.or_(*(condition(table, v, f.modifier) for v in f.values)))
    return _Outside(matching) if f.modifier is Modifier.NOT else _Within(matching)


def _absent(res: sa.FromClause, rows: sa.Select[tuple[int]]) -> sa.ColumnElement[bool]:
    """`NOT EXISTS (these rows of this resource)`: PostgreSQL plans an anti-join, where a
    large `NOT IN` could degrade to a per-row scan of the subquery."""
    table = rows.get_final_froms()[0]
    return ~sa.exists(rows.where(table.c.res_seq == res.c.seq).correlate(res))


def _in(res: sa.FromClause, rows: sa.Select[tuple[int]]) -> sa.ColumnElement[bool]:
    """`seq IN (rows)`, uncorrelated: planned as a semi-join or a rowid lookup."""
    return res.c.seq.in_(rows.correlate(None))


def _chain_conditions(
    f: Filter, table: sa.FromClause, visibility: Visibility | None
) -> list[sa.ColumnElement[bool]]:
    """Per candidate target type: the reference points at a live target that matches."""
    conditions = []
    for link in f.chain:
        target = schema.resource.alias()
        ids = (
            sa.select(target.c.id)
            .where(
                target.c.resource_type == link.target_type,
                target.c.deleted.is_(False),
                filter_predicate(link.filter, target, link.target_type, visibility),
                *visibility_predicates(visibility, target),
            )
            .correlate(None)
        )
        conditions.append(chain_condition(table, link.target_type, ids))
    return conditions


def _column_predicate(f: Filter, res: sa.FromClause) -> sa.ColumnElement[bool]:
    """`_id`, `_lastUpdated` and `_type` live on `resource` itself and are never missing."""
    if f.modifier is Modifier.MISSING:
        value = f.values[0]
        assert isinstance(value, MissingValue)
        return sa.false() if value.missing else sa.true()
    if f.code == LAST_UPDATED:
        dates = [v for v in f.values if isinstance(v, DateValue)]
        column = res.c.last_updated
        return sa.or_(*(range_condition(column, column, v) for v in dates))
    column = res.c.id if f.code == ID else res.c.resource_type
    codes = [v.code for v in f.values if isinstance(v, TokenValue)]
    return column.not_in(codes) if f.modifier is Modifier.NOT else column.in_(codes)
