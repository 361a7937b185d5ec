"""String parameters: starts-with on the folded form by default (so `nguyen van an`
finds "Nguyễn Văn An"), `:exact` on the stored text, `:contains` anywhere in the
folded form. https://hl7.org/fhir/R4/search.html#string

Both sides of a LIKE are already folded to lower case, so SQLite's ASCII-insensitive
LIKE and PostgreSQL's case-sensitive one agree; `autoescape` neutralises `%` and `_`.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.fhir.search.ir import Modifier, StringValue, Value


def string_condition(
    t: sa.FromClause, value: Value, modifier: Modifier | None
) -> sa.ColumnElement[bool]:
    """Does one `idx_string` row match `value`?"""
    assert isinstance(value, StringValue)
    if modifier is Modifier.EXACT:
        return t.c.exact == value.exact
    if modifier is Modifier.CONTAINS:
        return t.c.folded.contains(value.folded, autoescape=True)
    return t.c.folded.startswith(value.folded, autoescape=True)
