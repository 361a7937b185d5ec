"""Token parameters: `system|code`, `|code`, `code`, `system|`, `:text` (and `:not`,
applied by the caller as NOT IN). https://hl7.org/fhir/R4/search.html#token"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.fhir.search.ir import Modifier, StringValue, TokenValue, Value
from hoso.store.sql.search.string import ESCAPE, like_escape


def token_condition(
    t: sa.FromClause, value: Value, modifier: Modifier | None
) -> sa.ColumnElement[bool]:
    """Does one `idx_token` row match `value`?"""
    if modifier is Modifier.TEXT:
        assert isinstance(value, StringValue)
        # Word-prefix match on the folded display, so `code:text=duong` finds
        # "Đường huyết lúc đói" and "Tăng đường huyết".
        return sa.or_(
            t.c.text.like(f"{like_escape(value.folded)}%", escape=ESCAPE),
            t.c.text.like(f"% {like_escape(value.folded)}%", escape=ESCAPE),
        )
    assert isinstance(value, TokenValue)
    conditions: list[sa.ColumnElement[bool]] = []
    if value.system == "":
        conditions.append(sa.or_(t.c.system.is_(None), t.c.system == ""))
    elif value.system is not None:
        conditions.append(t.c.system == value.system)
    if value.code is not None:
        conditions.append(t.c.code == value.code)
    return sa.and_(sa.true(), *conditions)
