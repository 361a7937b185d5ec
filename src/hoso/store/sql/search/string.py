"""String parameters: starts-with on the folded form by default (so `nguyen van an`
finds "Nguyễn Văn An"), `:exact` on the stored text, `:contains` anywhere in the
folded form. https://hl7.org/fhir/R4/search.html#string

Both sides of a LIKE are already folded to lower case, so SQLite's LIKE (made case-
sensitive by the engine) and PostgreSQL's agree. The pattern is built here as one bound
string: a `? || '%'` expression would keep both databases from using the index.
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
        return t.c.folded.like(f"%{like_escape(value.folded)}%", escape=ESCAPE)
    return t.c.folded.like(f"{like_escape(value.folded)}%", escape=ESCAPE)


ESCAPE = "/"


def like_escape(text: str) -> str:
    """`text` as a literal inside a LIKE pattern whose escape character is `/`."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")
