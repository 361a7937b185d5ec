"""An indicator's period ("2026-11" a month, "2026" a year) as the exchange formats want
it: FHIR's `Period` (first and last day) and DHIS2's period identifier (monthly `YYYYMM`,
yearly `YYYY`; docs.dhis2.org, Web API, "Date and period format")."""

from __future__ import annotations

import calendar
import re
from datetime import date

from hoso.core.errors import InvalidRequest

__all__ = ["checked_period", "dhis2_period", "period_bounds"]

_PERIOD = re.compile(r"(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2]))?")


def checked_period(period: str) -> str:
    """`period` if it is "YYYY" or "YYYY-MM", else a 400 naming `period`."""
    if not isinstance(period, str) or _PERIOD.fullmatch(period) is None \
            or not 1900 <= int(period[:4]) <= 2999:  # fmt: skip
        raise InvalidRequest("period: tháng YYYY-MM hoặc năm YYYY / a month YYYY-MM or a "
                             "year YYYY", expression=["period"])  # fmt: skip
    return period


def period_bounds(period: str) -> tuple[date, date]:
    """The first and the last day of the month or the year."""
    found = _PERIOD.fullmatch(checked_period(period))
    assert found is not None  # checked above
    year = int(found["year"])
    if found["month"] is None:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(found["month"])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def dhis2_period(period: str) -> str:
    """"2026-11" → "202611" (Monthly), "2026" → "2026" (Yearly)."""
    return checked_period(period).replace("-", "")
