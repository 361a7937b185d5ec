"""Date parameters as ranges (https://hl7.org/fhir/R4/search.html#date).

Index rows and search values are both inclusive µs ranges, so each prefix is a plain
comparison between the target range [low, high] and the search range [sl, sh]:
eq = target inside search; ne = not eq; gt/lt = the target reaches beyond the search
range above/below; ge/le = gt/lt or eq; sa/eb = the target starts after/ends before.
`_lastUpdated` uses the same rules with low = high = the column.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.fhir.search.ir import DateValue, Modifier, Prefix, Value


def range_condition(
    low: sa.ColumnElement[int], high: sa.ColumnElement[int], value: DateValue
) -> sa.ColumnElement[bool]:
    inside = sa.and_(low >= value.low, high <= value.high)
    match value.prefix:
        case Prefix.EQ:
            # `low <= sh` follows (low <= high <= sh) but lets the index on `low` scan
            # only [sl, sh]: without it a birth date scanned every row after that day
            # (1.3 s among 1,000,000 residents, for each Patient the MPI checked).
            return sa.and_(inside, low <= value.high)
        case Prefix.NE:
            return sa.not_(inside)
        case Prefix.GT:
            return high > value.high
        case Prefix.LT:
            return low < value.low
        case Prefix.GE:
            return sa.or_(high > value.high, inside)
        case Prefix.LE:
            return sa.or_(low < value.low, inside)
        case Prefix.SA:
            return low > value.high
        case Prefix.EB:
            return high < value.low
    raise ValueError(f"prefix {value.prefix} has no date meaning")  # parser rejects `ap`


def date_condition(
    t: sa.FromClause, value: Value, _modifier: Modifier | None
) -> sa.ColumnElement[bool]:
    """Does one `idx_date` row match `value`?"""
    assert isinstance(value, DateValue)
    return range_condition(t.c.low, t.c.high, value)
