"""Reference parameters (https://hl7.org/fhir/R4/search.html#reference).

`Type/id` matches type and id, a bare id (no `:Type`) any type, an absolute or
canonical URL the stored `url` verbatim. A chained parameter matches when the target
id is among the ids the chained filter selects on that target type.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.fhir.search.ir import Modifier, ReferenceValue, Value


def reference_condition(
    t: sa.FromClause, value: Value, _modifier: Modifier | None
) -> sa.ColumnElement[bool]:
    """Does one `idx_reference` row match `value`?"""
    assert isinstance(value, ReferenceValue)
    if value.url is not None:
        return t.c.url == value.url
    conditions = [t.c.target_id == value.target_id]
    if value.target_type is not None:
        conditions.append(t.c.target_type == value.target_type)
    return sa.and_(*conditions)


def chain_condition(
    t: sa.FromClause, target_type: str, target_ids: sa.Select[tuple[str]]
) -> sa.ColumnElement[bool]:
    """One `idx_reference` row points at a `target_type` whose id `target_ids` selects."""
    return sa.and_(t.c.target_type == target_type, t.c.target_id.in_(target_ids))
