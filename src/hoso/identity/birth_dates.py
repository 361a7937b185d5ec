"""Birth dates as Vietnamese records write them, and the mistakes a matcher must forgive.

Forms and XML 130 write day first (dd/mm/yyyy); FHIR and databases write year first.
A clerk who reads one as the other swaps day and month, which is only detectable when both
are 12 or less, so `swapped_day_month` offers the matcher the other reading of such a date.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["MAX_AGE", "parse_vn_date", "plausible_birth_date", "swapped_day_month"]

MAX_AGE = 120  # older than anyone documented: a typing slip in the year

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DAY_FIRST = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})")
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?:[0-9]{4})?")  # yyyymmdd[HHMM]
_TWO_DIGIT_YEAR = re.compile(r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}")


def _msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


def swapped_day_month(iso_date: str) -> str | None:
    """`yyyy-mm-dd` with day and month exchanged, when that is another valid date (day
    ≤ 12 and day ≠ month); None otherwise, including for partial dates."""
    match = _ISO.fullmatch(iso_date)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 12) or day == month:
        return None
    try:
        date(year, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{day:02d}-{month:02d}"


def parse_vn_date(text: str) -> date:
    """A date in any form Vietnamese sources send: dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy,
    dd.mm.yyyy, yyyy-mm-dd, or XML 130's yyyymmdd / yyyymmddHHMM; `ValueError`
    (Vietnamese / English) saying why not."""
    value = text.strip() if isinstance(text, str) else ""
    if not value:
        raise ValueError(_msg("Ngày trống", "The date is empty"))
    if match := _ISO.fullmatch(value):
        year, month, day = match.group(1), match.group(2), match.group(3)
    elif match := _DAY_FIRST.fullmatch(value):
        day, month, year = match.group(1), match.group(3), match.group(4)
    elif match := _COMPACT.fullmatch(value):
        year, month, day = match.groups()
    elif _TWO_DIGIT_YEAR.fullmatch(value):
        raise ValueError(_msg(
            f"Năm trong ngày '{value}' phải có 4 chữ số",
            f"The year in date '{value}' must have 4 digits"))
    else:
        raise ValueError(_msg(
            f"Không đọc được ngày '{value}': dùng dd/mm/yyyy, yyyy-mm-dd hoặc yyyymmdd",
            f"Cannot read date '{value}': use dd/mm/yyyy, yyyy-mm-dd or yyyymmdd"))
    if int(day) == 0 or int(month) == 0:
        # XML 130 writes 00 for an unknown day or month (QĐ 4750, NGAY_SINH).
        raise ValueError(_msg(
            f"Ngày '{value}' không có ngày hoặc tháng (ghi 00)",
            f"Date '{value}' has no day or month (written as 00)"))
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(_msg(
            f"Ngày {int(day):02d}/{int(month):02d}/{year} không có trong lịch",
            f"{year}-{int(month):02d}-{int(day):02d} is not a calendar date")) from None


def plausible_birth_date(d: date, today: date) -> list[str]:
    """Why `d` cannot be a living person's birth date seen at `today`: in the future, or
    more than MAX_AGE years ago; empty when it is plausible."""
    shown = f"{d.day:02d}/{d.month:02d}/{d.year}"
    if d > today:
        return [_msg(f"Ngày sinh {shown} ở tương lai",
                     f"Birth date {d.isoformat()} is in the future")]
    age = today.year - d.year - ((today.month, today.day) < (d.month, d.day))
    if age > MAX_AGE:
        return [_msg(f"Ngày sinh {shown} cho tuổi {age}, trên {MAX_AGE} tuổi",
                     f"Birth date {d.isoformat()} gives age {age}, over {MAX_AGE}")]
    return []
