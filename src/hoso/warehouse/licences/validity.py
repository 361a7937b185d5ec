"""Whether a licence is valid on a day, and which ones need attention soon.

- A GPHN is valid from its issue date to its expiry (issue + 5 years, Law 15/2023).
- An old CCHN (issued before 01/01/2024, no expiry) stays usable, but Law 15/2023
  Art. 121 §1 has it converted to a GPHN on the Government's roadmap (NĐ 96/2023);
  `CCHN_CONVERSION_DEADLINE` is the date this code treats as the end of that road: after
  it an unconverted CCHN counts as expired. The date is a setting of this module, not a
  verified citation (docs/warehouse-licences.md says what was and was not found).
- A pharmacy CCHND (Luật Dược 105/2016/QH13) has no expiry here: HOUSE (not checked).
- Suspended or revoked: invalid from the status date (from the start if none is given).
- An operating licence (GPHĐ) has no term in Law 15/2023 unless one is given on import.

Renewal: no lead time for applying was found in the sources searched; the alerts use the
warehouse's 90-day window (HOUSE), which the command and page let the reader change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hoso.warehouse.licences.model import (
    ACTIVE,
    CCHN,
    HIDDEN,
    REVOKED,
    SUSPENDED,
    Certificate,
    FacilityLicence,
)

__all__ = [
    "CCHN_CONVERSION_DEADLINE", "CONVERSION_DUE", "EXPIRED", "EXPIRING", "Alert",
    "Standing", "alerts", "standing",
]  # fmt: skip

CCHN_CONVERSION_DEADLINE = date(2029, 1, 1)  # HOUSE (see the module's docstring)
RENEWAL_WINDOW_DAYS = 90  # HOUSE: the page's and command's default

# Why a licence is not valid on a day.
NOT_YET, LAPSED, WITHDRAWN, UNCONVERTED = "chua-hieu-luc", "het-han", "thu-hoi", "chua-chuyen-doi"
EXPIRED, EXPIRING, CONVERSION_DUE = "expired", "expiring", "conversion-due"


@dataclass(frozen=True, slots=True)
class Standing:
    valid: bool
    reason: str = ""  # empty when valid; NOT_YET | LAPSED | WITHDRAWN | UNCONVERTED
    valid_until: date | None = None  # the last day it counts as valid, if bounded


def valid_until(licence: Certificate | FacilityLicence) -> date | None:
    """The last day the licence is valid for, before any suspension or revocation."""
    if licence.expires:
        return licence.expires
    if isinstance(licence, Certificate) and licence.kind == CCHN:
        return date.fromordinal(CCHN_CONVERSION_DEADLINE.toordinal() - 1)
    return None


def standing(licence: Certificate | FacilityLicence, day: date) -> Standing:
    """Is `licence` valid on `day`?"""
    until = valid_until(licence)
    if licence.status in (SUSPENDED, REVOKED, HIDDEN) and (
        licence.status_date is None or licence.status_date <= day
    ):
        return Standing(False, WITHDRAWN, until)
    if day < licence.issued:
        return Standing(False, NOT_YET, until)
    if until is not None and day > until:
        unconverted = isinstance(licence, Certificate) and licence.kind == CCHN and (
            not licence.expires)  # fmt: skip
        return Standing(False, UNCONVERTED if unconverted else LAPSED, until)
    return Standing(True, "", until)


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # EXPIRED | EXPIRING | CONVERSION_DUE
    number: str
    holder: str  # a practitioner's or facility's name
    licence_kind: str  # CCHN | GPHN | CCHND | GPHD
    until: date
    days_left: int  # negative once past


def alerts(licences: list[Certificate | FacilityLicence], today: date, days: int
           ) -> list[Alert]:  # fmt: skip
    """Active licences whose validity ends within `days` of `today` or has ended
    (an unconverted CCHN: its conversion deadline), soonest first."""
    found = []
    for lic in licences:
        if lic.status != ACTIVE:
            continue
        until = valid_until(lic)
        if until is None:
            continue
        left = (until - today).days
        if left > days:
            continue
        cert = isinstance(lic, Certificate)
        if cert and lic.kind == CCHN and not lic.expires:
            kind = CONVERSION_DUE
        else:
            kind = EXPIRED if left < 0 else EXPIRING
        found.append(Alert(kind, lic.number, lic.holder if cert else lic.name,
                           lic.kind if cert else "GPHD", until, left))  # fmt: skip
    return sorted(found, key=lambda a: (a.until, a.number))
