"""Small readers the rules share: FHIR dates as microsecond ranges, ages, codings.

Dates go through `hoso.fhir.dates.date_range`, the rule search uses, so "in the future"
and "before birth" mean what a date search would mean (a bare date is a whole local
day, Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from hoso.fhir.dates import date_range

__all__ = ["DAY_US", "YEAR_US", "age_at", "codings", "is_foreigner", "span", "valid_date"]

DAY_US = 86_400 * 1_000_000
YEAR_US = int(365.2425 * DAY_US)
PASSPORT = "PPN"  # v2-0203 identifier type
NATIONALITY = "http://hl7.org/fhir/StructureDefinition/patient-nationality"


def span(value: Any) -> tuple[int, int] | None:
    """(low, high) µs of a FHIR date/dateTime/instant; None if absent or unreadable
    (structural validation already refused malformed ones)."""
    if not isinstance(value, str):
        return None
    try:
        return date_range(value)
    except ValueError:
        return None


def valid_date(value: Any) -> date | None:
    """A full `YYYY-MM-DD` birth date as a date (partial dates give None)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def age_at(birth_date: Any, now_us: int) -> float | None:
    """Age in years at `now_us` from `Patient.birthDate` (a year alone counts from its
    middle); None when there is no readable birth date."""
    found = span(birth_date)
    if found is None:
        return None
    middle = (found[0] + found[1]) // 2
    return (now_us - middle) / YEAR_US


def codings(concept: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, coding) of a CodeableConcept's well-formed codings."""
    if not isinstance(concept, dict):
        return
    for i, coding in enumerate(concept.get("coding") or []):
        if isinstance(coding, dict) and isinstance(coding.get("code"), str):
            yield i, coding


def is_foreigner(resource: dict[str, Any]) -> bool:
    """A passport, or a nationality other than Việt Nam, explains a missing CCCD."""
    for ident in (i for i in resource.get("identifier") or [] if isinstance(i, dict)):
        if any(c.get("code") == PASSPORT for _, c in codings(ident.get("type"))):
            return True
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == NATIONALITY:
            for part in ext.get("extension") or []:
                concept = part.get("valueCodeableConcept") if isinstance(part, dict) else None
                codes = [c.get("code") for _, c in codings(concept)]
                if codes and "VN" not in codes and "VNM" not in codes:
                    return True
    return False
