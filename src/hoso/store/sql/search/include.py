"""`_include` and `_revinclude` for one page (https://hl7.org/fhir/R4/search.html#include).

One query per include parameter, over the ids of the page: first from the matches,
then once more from what that added for the `:iterate` ones (one extra level, no
fixpoint). Only non-deleted resources are added, each once, never one that is already
a match. Each query returns at most `limit` resources, so a page stays bounded.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from hoso.fhir.search.ir import Include, SearchQuery
from hoso.fhir.visibility import Visibility
from hoso.store import schema
from hoso.store.sql.visibility import visibility_predicates

_COLUMNS = ("seq", "resource_type", "id", "content", "patient_id")


def fetch_includes(
    conn: sa.Connection,
    query: SearchQuery,
    matches: Sequence[sa.Row],
    limit: int,
    visibility: Visibility | None = None,
) -> list[sa.Row]:
    """The resources the page's `_include`/`_revinclude` parameters add, in order found."""
    seen = {row.seq for row in matches}
    found: list[sa.Row] = []
    sources: Sequence[sa.Row] = matches
    for first_round in (True, False):
        added: list[sa.Row] = []
        for include, reverse in _round(query, first_round):
            stmt = _reverse(include, sources) if reverse else _forward(include, sources)
            if stmt is None:
                continue
            # The outer select's only FROM is the resource alias the builders used.
            stmt = stmt.where(*visibility_predicates(visibility, stmt.get_final_froms()[0]))
            for row in conn.execute(stmt.limit(limit)):
                if row.seq not in seen:
                    seen.add(row.seq)
                    added.append(row)
        found += added
        sources = added
        if not sources:
            break
    return found


def _round(query: SearchQuery, first: bool) -> list[tuple[Include, bool]]:
    pairs = [(i, False) for i in query.includes] + [(i, True) for i in query.revincludes]
    return pairs if first else [(i, reverse) for i, reverse in pairs if i.iterate]


def _live(res: sa.FromClause) -> sa.Select[tuple[object, ...]]:
    return sa.select(*(res.c[name] for name in _COLUMNS)).where(res.c.deleted.is_(False))


def _forward(include: Include, sources: Sequence[sa.Row]) -> sa.Select | None:
    """Resources that `source_type` rows of the page point at through `param`."""
    seqs = [row.seq for row in sources if row.resource_type == include.source_type]
    if not seqs:
        return None
    ref = schema.idx_reference.alias()
    targets = sa.select(ref.c.target_type, ref.c.target_id).where(
        ref.c.res_seq.in_(seqs),
        ref.c.resource_type == include.source_type,
        ref.c.param == include.param,
    )
    if include.target_type is not None:
        targets = targets.where(ref.c.target_type == include.target_type)
    res = schema.resource.alias()
    key = sa.tuple_(res.c.resource_type, res.c.id)
    return _live(res).where(key.in_(targets.correlate(None))).order_by(res.c.seq)


def _reverse(include: Include, sources: Sequence[sa.Row]) -> sa.Select | None:
    """`source_type` resources whose `param` points at a resource of the page."""
    ids: dict[str, list[str]] = {}
    for row in sources:
        if include.target_type in (None, row.resource_type):
            ids.setdefault(row.resource_type, []).append(row.id)
    if not ids:
        return None
    ref = schema.idx_reference.alias()
    pointing = sa.select(ref.c.res_seq).where(
        ref.c.resource_type == include.source_type,
        ref.c.param == include.param,
        sa.or_(
            *(
                sa.and_(ref.c.target_type == rtype, ref.c.target_id.in_(rids))
                for rtype, rids in ids.items()
            )
        ),
    )
    res = schema.resource.alias()
    return (
        _live(res)
        .where(res.c.resource_type == include.source_type, res.c.seq.in_(pointing.correlate(None)))
        .order_by(res.c.seq)
    )
