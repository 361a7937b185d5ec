"""`Visibility` → predicates on a `resource` row (see hoso.fhir.visibility).

Every subquery is correlated on the candidate row's `seq` or `patient_id` and served by
an index, so the cost is a few probes per candidate row whatever the size of a
facility's patient list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

import sqlalchemy as sa

from hoso.fhir.searchparams import compartment_params, supported_types
from hoso.fhir.visibility import ACT_CODE, Visibility
from hoso.store import schema

__all__ = ["visibility_predicates"]


@cache
def compartment_types() -> tuple[str, ...]:
    """Types that can belong to a patient's compartment (Patient included)."""
    return tuple(t for t in supported_types() if t == "Patient" or compartment_params(t))


def visibility_predicates(v: Visibility | None, res: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    """Predicates (AND) that keep only the rows `v` lets its caller see."""
    if v is None or (v.unrestricted and v.types is None and v.within_patients is None):
        return []
    return list(_cached_predicates(v, res))


@lru_cache(maxsize=512)
def _cached_predicates(v: Visibility, res: sa.FromClause) -> tuple[sa.ColumnElement[bool], ...]:
    """Building these expression trees costs milliseconds, more than running them; one
    caller's requests share a `Visibility` (its times are rounded to the minute by the
    access layer), so the trees are built once per caller and minute and reused. The
    cached elements are immutable, so sharing them between statements and threads is safe."""
    return tuple(_predicates(v, res))


def _predicates(v: Visibility, res: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    if v.nothing:
        return [sa.false()]
    predicates: list[sa.ColumnElement[bool]] = []
    if v.types is not None:
        predicates.append(_one_of(res.c.resource_type, v.types))
    if v.within_patients is not None:
        predicates.append(
            sa.or_(
                _one_of(res.c.patient_id, v.within_patients),
                sa.and_(
                    res.c.patient_id.is_(None),
                    ~_constant_in(res.c.resource_type, compartment_types()),
                ),
            )
        )
    if v.unrestricted:
        return predicates
    authored = _authored(v, res)
    predicates.append(sa.or_(*_reach(v, res, authored)))
    hidden = _hidden(v, res)
    if hidden is not None:
        exempt = [authored] if authored is not None else []
        if v.label_exempt_patients:
            exempt.append(_one_of(res.c.patient_id, v.label_exempt_patients))
        predicates.append(sa.or_(~hidden, *exempt))
    return predicates


_NAME = re.compile(r"[A-Za-z]{1,64}")


def _constant_in(column: sa.ColumnElement[str], names: Iterable[str]) -> sa.ColumnElement[bool]:
    """`column IN ('A', 'B')` with the server's own constants (resource types, label
    codes) written into the SQL: an expanding parameter list is re-rendered and re-parsed
    on every execution, which cost more than the query. Only plain names are accepted."""
    values = sorted(names)
    if not all(_NAME.fullmatch(n) for n in values):
        raise ValueError(f"not a constant name list: {values!r}")
    return column.in_([sa.literal_column(f"'{n}'") for n in values])


def _one_of(column: sa.ColumnElement[str], values: Iterable[str]) -> sa.ColumnElement[bool]:
    """`column = :a OR column = :b`: caller-derived values stay bound parameters, in a
    statement whose text is fixed for one caller (no per-execution expansion)."""
    return sa.or_(sa.false(), *(column == value for value in sorted(values)))


def _reach(
    v: Visibility, res: sa.FromClause, authored: sa.ColumnElement[bool] | None
) -> list[sa.ColumnElement[bool]]:
    public = sa.and_(
        res.c.patient_id.is_(None), ~_constant_in(res.c.resource_type, compartment_types())
    )
    reach: list[sa.ColumnElement[bool]] = [public]
    if v.all_patients:
        reach.append(res.c.patient_id.is_not(None))
    if v.patients:
        reach.append(_one_of(res.c.patient_id, v.patients))
    open_reach: list[sa.ColumnElement[bool]] = []
    if v.care_facilities:
        link = schema.care_link.alias()
        open_reach.append(
            sa.exists(
                sa.select(sa.literal(1)).where(
                    link.c.patient_id == res.c.patient_id,
                    _one_of(link.c.facility_ref, v.care_facilities),
                    link.c.high >= v.care_since_us,
                    # A link the facility claimed itself opens nothing before it begins.
                    sa.or_(link.c.self_claimed.is_(False), link.c.low <= v.claim_begun_us),
                )
            ).correlate(res)
        )
    if v.summary_types:
        open_reach.append(
            sa.and_(
                _constant_in(res.c.resource_type, v.summary_types), res.c.patient_id.is_not(None)
            )
        )
    if open_reach:
        blocked = _blocked(v, res)
        either = sa.or_(*open_reach)
        reach.append(either if blocked is None else sa.and_(either, ~blocked))
    if authored is not None:
        reach.append(authored)
    return reach


def _authored(v: Visibility, res: sa.FromClause) -> sa.ColumnElement[bool] | None:
    if v.authored_source is None:
        return None
    uri = schema.idx_uri.alias()
    return sa.exists(
        sa.select(sa.literal(1)).where(
            uri.c.res_seq == res.c.seq, uri.c.param == "_source", uri.c.uri == v.authored_source
        )
    ).correlate(res)


def _rules(v: Visibility, res: sa.FromClause, effect: str) -> tuple[sa.FromClause, list]:
    """Active consent rules of the row's patient with `effect` that name the caller."""
    rule = schema.consent_rule.alias()
    actor = rule.c.actor_ref.is_(None)
    if v.consent_actors:
        actor = sa.or_(actor, _one_of(rule.c.actor_ref, v.consent_actors))
    return rule, [
        rule.c.patient_id == res.c.patient_id,
        rule.c.effect == effect,
        actor,
        rule.c.low <= v.now_us,
        rule.c.high >= v.now_us,
    ]


def _blocked(v: Visibility, res: sa.FromClause) -> sa.ColumnElement[bool] | None:
    """A Consent denies the caller everything (no category, no purpose named)."""
    if not v.consent_actors:
        return None
    rule, where = _rules(v, res, "deny")
    where += [rule.c.label_code.is_(None), rule.c.purpose.is_(None)]
    return sa.exists(sa.select(sa.literal(1)).where(*where)).correlate(res)


def _hidden(v: Visibility, res: sa.FromClause) -> sa.ColumnElement[bool] | None:
    """The row carries a sensitive label not permitted to the caller, or one a Consent
    denies to the caller."""
    if not v.hidden_labels and not v.consent_actors:
        return None
    label = schema.idx_token.alias()
    reasons = []
    if v.hidden_labels:
        rule, where = _rules(v, res, "permit")
        # Correlated explicitly to both enclosing levels: left to auto-correlation, the
        # outer `res` would become a FROM of its own here (a cross join: any patient's
        # permit would then unhide everyone's labelled rows).
        permitted = sa.exists(
            sa.select(sa.literal(1))
            .where(*where, rule.c.label_code == label.c.code)
            .correlate(res, label)
        )
        reasons.append(sa.and_(_constant_in(label.c.code, v.hidden_labels), ~permitted))
    if v.consent_actors:
        rule, where = _rules(v, res, "deny")
        reasons.append(
            sa.exists(
                sa.select(sa.literal(1))
                .where(*where, rule.c.label_code == label.c.code)
                .correlate(res, label)
            )
        )
    return sa.exists(
        sa.select(sa.literal(1)).where(
            label.c.res_seq == res.c.seq,
            label.c.param == "_security",
            label.c.system == ACT_CODE,
            sa.or_(*reasons),
        )
    ).correlate(res)


def viewer_key(v: Visibility | None) -> str:
    """A stable fingerprint of a caller's view (the clock-dependent fields left out)."""
    if v is None:
        return ""
    return repr(
        (
            v.unrestricted,
            sorted(v.patients),
            v.all_patients,
            v.care_facilities,
            sorted(v.summary_types),
            v.authored_source,
            v.consent_actors,
            sorted(v.hidden_labels),
            sorted(v.label_exempt_patients),
            sorted(v.types) if v.types is not None else None,
            sorted(v.within_patients) if v.within_patients is not None else None,
            v.nothing,
        )
    )
