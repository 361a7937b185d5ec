"""FHIR date/dateTime/instant text → the inclusive microsecond range it denotes.

FHIR search compares dates as ranges fixed by the precision of the value
(https://hl7.org/fhir/R4/search.html#date): `2020` means the whole year, `2020-03`
the whole month, `2020-03-04T10:15:00Z` one second. Index rows and search values
both go through `date_range`, so both sides agree on that rule.

A value without a timezone (a date, or a time in a search value) is read in the
server's local zone, as the spec suggests: Asia/Ho_Chi_Minh, a fixed UTC+07:00 with no
daylight saving, so `date=2024-05-01` finds `2024-05-01T05:00:00+07:00`. The zone is a
constant, not the process's zone, so every process indexes alike.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from hoso.core.errors import InvalidRequest
from hoso.fhir.index_values import DATE_MAX, DATE_MIN

__all__ = ["date_range", "since_us"]

_DATE_RE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?"
)
_DAY_US = 86_400 * 1_000_000
LOCAL_OFFSET_SECONDS = 7 * 3600  # Asia/Ho_Chi_Minh
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _day_start(year: int, month: int, day: int) -> int:
    return (date(year, month, day).toordinal() - _EPOCH_ORDINAL) * _DAY_US


def _tz_offset_seconds(tz: str | None) -> int:
    if tz is None:
        return LOCAL_OFFSET_SECONDS
    if tz == "Z":
        return 0
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    if hours > 14 or minutes > 59:
        raise ValueError(f"invalid timezone offset {tz!r}")
    sign = -1 if tz[0] == "-" else 1
    return sign * (hours * 3600 + minutes * 60)


def _time_range(day_start: int, groups: tuple[str | None, ...]) -> tuple[int, int]:
    hh, mi, ss, frac, tz = groups
    hour, minute = int(hh or 0), int(mi or 0)
    # 60 is a leap second in the FHIR regex; integer arithmetic rolls it over.
    second = int(ss) if ss is not None else 0
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError("invalid time of day")
    seconds = hour * 3600 + minute * 60 + second - _tz_offset_seconds(tz)
    low = day_start + seconds * 1_000_000
    if ss is None:
        span = 60 * 1_000_000
    elif not frac:
        span = 1_000_000
    else:
        digits = frac[:6]
        low += int(digits.ljust(6, "0"))
        span = 10 ** (6 - len(digits))
    return low, low + span - 1


def date_range(text: str) -> tuple[int, int]:
    """Inclusive (low, high) microseconds since the epoch (UTC) covered by `text`.

    Accepts FHIR date, dateTime and instant forms, plus minute precision
    (`2020-01-02T10:30`) as used in search values. Raises ValueError otherwise.
    """
    match = _DATE_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"invalid FHIR date/dateTime {text!r}")
    year_s, month_s, day_s, *time_groups = match.groups()
    year = int(year_s)
    if year == 0:
        raise ValueError(f"year 0000 is not a FHIR date: {text!r}")
    try:
        if month_s is None:
            low = _day_start(year, 1, 1)
            high = _day_start(year, 12, 31) + _DAY_US - 1
        elif day_s is None:
            month = int(month_s)
            last_day = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
            low = _day_start(year, month, 1)
            high = _day_start(year, month, last_day) + _DAY_US - 1
        else:
            low = _day_start(year, int(month_s), int(day_s))
            high = low + _DAY_US - 1
            if time_groups[0] is not None:
                low, high = _time_range(low, tuple(time_groups))
                return max(low, DATE_MIN), min(high, DATE_MAX)
    except ValueError as exc:  # month 13, 30 February, ...
        raise ValueError(f"invalid FHIR date/dateTime {text!r}: {exc}") from None
    shift = LOCAL_OFFSET_SECONDS * 1_000_000  # calendar days and months are local
    low, high = low - shift, high - shift
    # A timezone shift can push the first or last day past the representable range.
    return max(low, DATE_MIN), min(high, DATE_MAX)


def since_us(value: str | None) -> int | None:
    """`_since` (history, `$everything`): the first microsecond of the given instant."""
    if value is None:
        return None
    try:
        return date_range(value)[0]
    except ValueError as exc:
        raise InvalidRequest(
            f"_since không hợp lệ: {value} / Invalid _since: {value}", expression=["_since"]
        ) from exc
