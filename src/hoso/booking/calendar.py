"""Vietnamese public holidays, working days and the lunar calendar they depend on.

The holidays are those of Bộ luật Lao động 2019 (Luật 45/2019/QH14) Art. 112 §1: Tết
Dương lịch 1/1; Tết Âm lịch 5 days; Giỗ Tổ Hùng Vương 10/3 âm lịch; 30/4; 1/5; Quốc
khánh 2/9 and one adjacent day. Art. 112 §3 leaves the exact Tết days and the adjacent
Quốc khánh day to the Prime Minister each year; Art. 111 §3 gives a holiday that falls on
the weekly rest a day off on the next working day (nghỉ bù).

Two sources, in this order:
1. `data/holidays-vn.json`: the schedule the Government announced for a year (which
   Tết days, the swapped days and the Saturdays worked instead). It replaces 2. whole.
2. Computed rules for other years (HOUSE, see `_computed`): Tết = the last day of the
   lunar year and mùng 1–4; the Quốc khánh adjacent day as chosen 2021–2026; weekend
   holidays moved to the next free weekday.

Working days are Monday to Friday (Saturday too for facilities open on Saturdays), not a
holiday, not a facility closure; a make-up Saturday of the Government schedule counts.

The lunar dates come from `lunar_vn` (Hồ Ngọc Đức's astronomical algorithm at UTC+7, the
Vietnamese calendar: Tết 1985 is 21/01/1985 here and 20/02/1985 in China's calendar).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import lunar_vn

__all__ = [
    "Holiday",
    "LunarDate",
    "add_working_days",
    "holidays",
    "is_holiday",
    "is_working_day",
    "lunar_to_solar",
    "solar_to_lunar",
    "working_days_between",
]

# New moons and solar terms are dated at UTC+7: what makes the Vietnamese calendar differ
# from the Chinese one (UTC+8) in some years.
VIETNAM_UTC_OFFSET = 7.0
FIRST_YEAR, LAST_YEAR = lunar_vn.SUPPORTED_YEAR_RANGE  # 1900–2100
SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class Holiday:
    day: date
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class LunarDate:
    """A day of the Vietnamese lunar calendar; `leap` marks the repeated (nhuận) month."""

    year: int
    month: int
    day: int
    leap: bool = False


def _msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            _msg(
                f"Năm {year} nằm ngoài khoảng lịch hỗ trợ {FIRST_YEAR}–{LAST_YEAR}",
                f"Year {year} is outside the supported calendar range {FIRST_YEAR}–{LAST_YEAR}",
            )
        )


# -- the lunar calendar --------------------------------------------------------------


def solar_to_lunar(d: date) -> LunarDate:
    """The Vietnamese lunar date of a (Gregorian) day."""
    _check_year(d.year)
    found = lunar_vn.solar_to_lunar(d, time_zone=VIETNAM_UTC_OFFSET)
    return LunarDate(found.year, found.month, found.day, found.leap)


def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """The Gregorian day of a Vietnamese lunar date; `ValueError` when it does not exist
    (day 30 of a 29-day month, or a leap month the year does not have)."""
    _check_year(year)
    try:
        found = lunar_vn.lunar_to_solar(
            lunar_vn.LunarDate(day, month, year, leap), time_zone=VIETNAM_UTC_OFFSET
        )
    except ValueError as exc:
        raise ValueError(_no_such_day(year, month, day, leap)) from exc
    # lunar_vn rolls a 30th of a 29-day month into the next month and ignores a leap flag
    # in a year without a leap month: converting back is how such dates are refused.
    if solar_to_lunar(found) != LunarDate(year, month, day, leap):
        raise ValueError(_no_such_day(year, month, day, leap))
    return found


def _no_such_day(year: int, month: int, day: int, leap: bool) -> str:
    shown = f"{day:02d}/{month:02d}{' nhuận' if leap else ''}/{year}"
    return _msg(f"Ngày âm lịch {shown} không tồn tại",
                f"The lunar date {shown} does not exist")  # fmt: skip


# -- holidays ------------------------------------------------------------------------


def holidays(year: int) -> tuple[Holiday, ...]:
    """The year's holidays and days off in date order (swapped days and nghỉ bù included)."""
    return _year(year)[0]


def is_holiday(day: date) -> Holiday | None:
    for holiday in holidays(day.year):
        if holiday.day == day:
            return holiday
    return None


def is_working_day(day: date, *, saturday: bool = False, closures: Collection[date] = ()) -> bool:
    """Monday–Friday (and Saturday when `saturday`), not a holiday, not in `closures`
    (the facility's own closed days); a make-up Saturday of the Government schedule is a
    working day."""
    if day in closures:
        return False
    days_off, make_up = _days_off(day.year)
    if day in days_off:
        return False
    if day.weekday() == SUNDAY:
        return False
    return day.weekday() != SATURDAY or saturday or day in make_up


def add_working_days(
    start: date, n: int, *, saturday: bool = False, closures: Collection[date] = ()
) -> date:
    """The `n`-th working day after `start` (`start` itself not counted; before it when
    `n` is negative); `start` when `n` is 0."""
    step = timedelta(days=1 if n >= 0 else -1)
    day, left = start, abs(n)
    while left:
        day += step
        if is_working_day(day, saturday=saturday, closures=closures):
            left -= 1
    return day


def working_days_between(
    a: date, b: date, *, saturday: bool = False, closures: Collection[date] = ()
) -> int:
    """How many working days lie after `a` up to and including `b` (negative when `b` is
    before `a`): `working_days_between(a, add_working_days(a, n)) == n`."""
    if b < a:
        return -working_days_between(b, a, saturday=saturday, closures=closures)
    count, day = 0, a
    while day < b:
        day += timedelta(days=1)
        count += is_working_day(day, saturday=saturday, closures=closures)
    return count


@cache
def _days_off(year: int) -> tuple[frozenset[date], frozenset[date]]:
    listed, make_up = _year(year)
    return frozenset(h.day for h in listed), make_up


@cache
def _year(year: int) -> tuple[tuple[Holiday, ...], frozenset[date]]:
    _check_year(year)
    announced = _announced().get(str(year))
    if announced is None:
        return _computed(year), frozenset()
    days = tuple(Holiday(date.fromisoformat(d["date"]), d["name_vi"], d["name_en"])
                 for d in announced["days"])  # fmt: skip
    make_up = frozenset(date.fromisoformat(d) for d in announced.get("make_up_workdays", ()))
    return tuple(sorted(days, key=lambda h: h.day)), make_up


@cache
def _announced() -> dict[str, Any]:
    text = resources.files("hoso.booking").joinpath("data/holidays-vn.json").read_text("utf-8")
    years: dict[str, Any] = json.loads(text)["years"]
    return years


# 2/9's adjacent day by 2/9's weekday, as the Prime Minister chose it 2021–2026 (2021 Thu
# → 3/9, 2022 Fri → 1/9, 2023 Sat → 1/9, 2024 Mon → 3/9, 2025 Tue → 1/9, 2026 Wed → 1/9):
# HOUSE for other years, Art. 112 §3 leaves it to each year's decision.
_ADJACENT = {0: +1, 1: -1, 2: -1, 3: +1, 4: -1, 5: -1, 6: +1}
_TET_DAYS = (
    ("Tết Âm lịch (ngày cuối năm)", "Lunar New Year's Eve"),
    ("Tết Âm lịch (mùng 1)", "Lunar New Year (1st day)"),
    ("Tết Âm lịch (mùng 2)", "Lunar New Year (2nd day)"),
    ("Tết Âm lịch (mùng 3)", "Lunar New Year (3rd day)"),
    ("Tết Âm lịch (mùng 4)", "Lunar New Year (4th day)"),
)


def _computed(year: int) -> tuple[Holiday, ...]:
    """Art. 112 §1 for a year without an announced schedule, and nghỉ bù (Art. 111 §3)
    for each holiday on a Saturday or Sunday: the next weekday that is not already off.
    HOUSE: the 5 Tết days are the lunar year's last day and mùng 1–4 (the Government's
    usual choice; it often moves them to build a 9-day break, which only data can say)."""
    tet = lunar_to_solar(year, 1, 1)
    national = date(year, 9, 2)
    found = [Holiday(date(year, 1, 1), "Tết Dương lịch", "New Year's Day")]
    found += [Holiday(tet + timedelta(days=i - 1), vi, en) for i, (vi, en) in enumerate(_TET_DAYS)]
    found += [
        Holiday(lunar_to_solar(year, 3, 10), "Giỗ Tổ Hùng Vương (10/3 âm lịch)",
                "Hung Kings' Commemoration Day"),
        Holiday(date(year, 4, 30), "Ngày Chiến thắng", "Reunification Day"),
        Holiday(date(year, 5, 1), "Ngày Quốc tế Lao động", "International Labour Day"),
        Holiday(national, "Quốc khánh", "National Day"),
        Holiday(national + timedelta(days=_ADJACENT[national.weekday()]),
                "Quốc khánh (ngày liền kề)", "National Day (adjacent day)"),
    ]  # fmt: skip
    taken = {h.day for h in found}
    for holiday in sorted(found, key=lambda h: h.day):
        if holiday.day.weekday() < SATURDAY:
            continue
        off = holiday.day + timedelta(days=1)
        while off.weekday() >= SATURDAY or off in taken:
            off += timedelta(days=1)
        taken.add(off)
        found.append(Holiday(off, f"Nghỉ bù {holiday.name_vi}", f"{holiday.name_en} (observed)"))
    return tuple(sorted(found, key=lambda h: h.day))
