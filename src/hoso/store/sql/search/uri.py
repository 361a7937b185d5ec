"""URI parameters: exact by default, `:below` (at or under a path), `:above` (the stored
URI is the value or one of its parent paths). https://hl7.org/fhir/R4/search.html#uri

Prefix tests use `substr`, not LIKE, because URIs are case-sensitive and SQLite's LIKE
is not.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.fhir.search.ir import Modifier, UriValue, Value


def parent_uris(uri: str) -> list[str]:
    """`http://a.org/fhir/ValueSet/1` → itself and every parent path down to the host."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return [uri]
    segments = rest.rstrip("/").split("/")
    found = [uri]
    for end in range(len(segments), 0, -1):
        path = f"{scheme}://{'/'.join(segments[:end])}"
        found += [path, path + "/"]
    return list(dict.fromkeys(found))


def uri_condition(
    t: sa.FromClause, value: Value, modifier: Modifier | None
) -> sa.ColumnElement[bool]:
    """Does one `idx_uri` row match `value`?"""
    assert isinstance(value, UriValue)
    uri = value.uri
    if modifier is Modifier.ABOVE:
        return t.c.uri.in_(parent_uris(uri))
    if modifier is Modifier.BELOW:
        base = uri if uri.endswith("/") else uri + "/"
        return sa.or_(t.c.uri == uri, sa.func.substr(t.c.uri, 1, len(base)) == base)
    return t.c.uri == uri
