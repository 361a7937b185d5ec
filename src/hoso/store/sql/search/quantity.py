"""Number and quantity parameters (https://hl7.org/fhir/R4/search.html#number).

`eq`/`ne`/`ap` use the range implied by the written precision (`100` is [99.5, 100.5));
`lt`/`le`/`gt`/`ge`/`sa`/`eb` compare with the value exactly, as the R4 examples do.
Quantities also match `system` and `code` when given (`number||code` matches the code
or the unit); units are compared as written, without UCUM conversion.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.fhir.search.ir import Modifier, NumberValue, Prefix, Value


def _compare(column: sa.ColumnElement[float], value: NumberValue) -> sa.ColumnElement[bool]:
    low, high, exact = float(value.low), float(value.high), float(value.value)
    match value.prefix:
        case Prefix.EQ | Prefix.AP:
            return sa.and_(column >= low, column < high)
        case Prefix.NE:
            return sa.or_(column < low, column >= high)
        case Prefix.GT | Prefix.SA:
            return column > exact
        case Prefix.LT | Prefix.EB:
            return column < exact
        case Prefix.GE:
            return column >= exact
        case Prefix.LE:
            return column <= exact
    raise ValueError(f"unknown prefix {value.prefix}")  # pragma: no cover


def quantity_condition(
    t: sa.FromClause, value: Value, _modifier: Modifier | None
) -> sa.ColumnElement[bool]:
    """Does one `idx_quantity` row match `value`?"""
    assert isinstance(value, NumberValue)
    conditions = [_compare(t.c.value, value)]
    if value.system is not None:
        conditions.append(t.c.system == value.system)
    if value.code is not None:
        if value.system is not None:
            conditions.append(t.c.code == value.code)
        else:
            conditions.append(sa.or_(t.c.code == value.code, t.c.unit == value.code))
    return sa.and_(*conditions)
