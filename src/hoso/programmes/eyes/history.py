"""What a child's record says about their eyes: the screening Observations by day
(year-on-year progression of acuity and spherical equivalent) and their eye-clinic
referrals (ServiceRequests) with the state each is in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from numbers import Number
from typing import Any

from hoso.programmes.eyes.screening import EYE_SYSTEM
from hoso.programmes.rules import recorded_day

__all__ = ["Referral", "Visit", "progression", "referrals"]

OPEN, DISPENSED, LAPSED, CLOSED = "open", "dispensed", "lapsed", "closed"


@dataclass(frozen=True, slots=True)
class Visit:
    day: date
    ucva: dict[str, float]
    pva: dict[str, float]
    se: dict[str, float]
    outcome: str | None

    def as_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "ucva": self.ucva, "pva": self.pva,
                "se": self.se, "outcome": self.outcome}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Referral:
    id: str | None
    opened: date
    lapse_on: date
    state: str  # open | dispensed | lapsed | closed


def _code(resource: Mapping[str, Any]) -> str | None:
    for c in (resource.get("code") or {}).get("coding") or []:
        if isinstance(c, dict) and c.get("system") == EYE_SYSTEM:
            return str(c.get("code"))
    return None


def _value(resource: Mapping[str, Any]) -> float | None:
    v = (resource.get("valueQuantity") or {}).get("value")
    # Stored decimals come back as `Decimal` (the store keeps FHIR decimals exact).
    return float(v) if isinstance(v, Number) and not isinstance(v, bool) else None


def progression(observations: Sequence[Mapping[str, Any]]) -> list[Visit]:
    """One entry per screening day, oldest first (entered-in-error left out)."""
    days: dict[date, dict[str, Any]] = {}
    for o in observations:
        code, day = _code(o), recorded_day(o)
        if code is None or day is None or o.get("status") not in ("final", "amended", "corrected"):
            continue
        v = days.setdefault(day, {"ucva": {}, "pva": {}, "se": {}, "outcome": None})
        kind, _, eye = code.partition("-")
        if kind in ("ucva", "pva") and _value(o) is not None:
            v[kind][eye] = _value(o)
        elif kind == "refraction":
            for comp in o.get("component") or []:
                if _code(comp) == "spherical-equivalent" and _value(comp) is not None:
                    v["se"][eye] = _value(comp)
        elif code == "screening-outcome":
            coding = ((o.get("valueCodeableConcept") or {}).get("coding") or [{}])[0]
            v["outcome"] = coding.get("code")
    return [Visit(d, **v) for d, v in sorted(days.items())]


def referrals(requests: Sequence[Mapping[str, Any]], lapse_days: int, today: date
              ) -> list[Referral]:  # fmt: skip
    """The child's eye-clinic referrals, oldest first: dispensed when the request was
    completed, closed when revoked/entered-in-error, lapsed when still open past its
    lapse day, else open."""
    found = []
    for r in requests:
        if _code(r) != "eye-clinic-referral":
            continue
        opened = recorded_day({"authored": r.get("authoredOn")})
        if opened is None:
            continue
        lapse_on = opened + timedelta(days=lapse_days)
        status = r.get("status")
        if status == "completed":
            state = DISPENSED
        elif status in ("revoked", "entered-in-error"):
            state = CLOSED
        else:
            state = LAPSED if today > lapse_on else OPEN
        found.append(Referral(r.get("id"), opened, lapse_on, state))
    return sorted(found, key=lambda x: x.opened)
