"""A resident's `Consent` (https://hl7.org/fhir/R4/consent.html) as flat rules.

Each provision, the root and its nested exceptions, becomes rules of one effect
(permit or deny) for each actor (None: everyone), each security label (None: every
category) and each purpose (None: every use). Only active Consents count. The policy
reads these rules through the store, so a new Consent changes what the next request
sees, with no cache to wait for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hoso.core.errors import InvalidRequest
from hoso.fhir.dates import date_range
from hoso.fhir.index_values import DATE_MAX, DATE_MIN

# Our code for "share with the Ministry of Health's national health record database".
DATA_USE_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/data-use"
NATIONAL_SHARING = "national-sharing"


@dataclass(frozen=True, slots=True)
class ConsentRule:
    effect: str
    actor_ref: str | None
    label_system: str | None
    label_code: str | None
    purpose: str | None
    low: int
    high: int


def _period(provision: dict[str, Any], outer: tuple[int, int]) -> tuple[int, int]:
    period = provision.get("period") or {}
    try:
        low = date_range(period["start"])[0] if period.get("start") else outer[0]
        high = date_range(period["end"])[1] if period.get("end") else outer[1]
    except (InvalidRequest, ValueError):
        return outer
    return max(low, outer[0]), min(high, outer[1])


def _flatten(
    provision: dict[str, Any], effect: str, outer: tuple[int, int]
) -> Iterator[ConsentRule]:
    span = _period(provision, outer)
    actors = [
        a.get("reference", {}).get("reference")
        for a in provision.get("actor") or []
        if isinstance(a, dict)
    ] or [None]
    labels = [
        (s.get("system"), s.get("code"))
        for s in provision.get("securityLabel") or []
        if isinstance(s, dict)
    ] or [(None, None)]
    purposes = [
        p.get("code") for p in provision.get("purpose") or [] if isinstance(p, dict)
    ] or [None]
    for actor in actors:
        for system, code in labels:
            for purpose in purposes:
                yield ConsentRule(effect, actor, system, code, purpose, span[0], span[1])
    for nested in provision.get("provision") or []:
        if isinstance(nested, dict):
            inner = nested.get("type") or ("permit" if effect == "deny" else "deny")
            yield from _flatten(nested, inner, span)


def consent_rules(consent: dict[str, Any]) -> list[ConsentRule]:
    if consent.get("resourceType") != "Consent" or consent.get("status") != "active":
        return []
    root = consent.get("provision") or {}
    effect = root.get("type") or "permit"
    return list(_flatten(root, effect, (DATE_MIN, DATE_MAX)))
