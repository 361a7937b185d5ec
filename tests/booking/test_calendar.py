"""The holiday calendar, working-day arithmetic and the Vietnamese lunar calendar."""

from __future__ import annotations

from datetime import date, timedelta

import holidays as python_holidays
import pytest

from hoso.booking.calendar import (
    Holiday,
    LunarDate,
    add_working_days,
    holidays,
    is_holiday,
    is_working_day,
    lunar_to_solar,
    solar_to_lunar,
    working_days_between,
)

# Tết (mùng 1 tháng Giêng) and Giỗ Tổ (10/3) in Vietnam, from published Vietnamese
# calendars; 1985 is the year Vietnam (UTC+7) and China (UTC+8) disagree by a month.
TET = {
    1968: date(1968, 1, 29), 1985: date(1985, 1, 21), 2000: date(2000, 2, 5),
    2007: date(2007, 2, 17), 2020: date(2020, 1, 25), 2023: date(2023, 1, 22),
    2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
    2027: date(2027, 2, 6), 2030: date(2030, 2, 2),
}  # fmt: skip
GIO_TO = {
    2019: date(2019, 4, 14), 2023: date(2023, 4, 29), 2024: date(2024, 4, 18),
    2025: date(2025, 4, 7), 2026: date(2026, 4, 26),
}  # fmt: skip


@pytest.mark.parametrize(("year", "day"), sorted(TET.items()))
def test_tet_is_the_vietnamese_new_moon(year: int, day: date) -> None:
    assert lunar_to_solar(year, 1, 1) == day
    assert solar_to_lunar(day) == LunarDate(year, 1, 1)


def test_tet_1985_is_not_chinas() -> None:
    assert lunar_to_solar(1985, 1, 1) != date(1985, 2, 20)
    assert solar_to_lunar(date(1985, 2, 20)) == LunarDate(1985, 2, 1)


@pytest.mark.parametrize(("year", "day"), sorted(GIO_TO.items()))
def test_gio_to_hung_vuong(year: int, day: date) -> None:
    assert lunar_to_solar(year, 3, 10) == day


def test_leap_month_round_trip() -> None:
    # 2023 had a leap 2nd month (tháng 2 nhuận): 22/03/2023 opened it
    assert solar_to_lunar(date(2023, 3, 22)) == LunarDate(2023, 2, 1, leap=True)
    assert lunar_to_solar(2023, 2, 1, leap=True) == date(2023, 3, 22)
    assert lunar_to_solar(2023, 2, 1) == date(2023, 2, 20)


def test_dates_that_do_not_exist_are_refused() -> None:
    with pytest.raises(ValueError, match="không tồn tại"):
        lunar_to_solar(2025, 12, 30)  # tháng Chạp Ất Tỵ has 29 days: 16/02/2026 is the 29th
    with pytest.raises(ValueError, match="does not exist"):
        lunar_to_solar(2026, 5, 1, leap=True)  # 2026 has no leap month


def test_every_day_of_a_year_round_trips() -> None:
    day = date(2025, 1, 1)
    while day.year == 2025:
        lunar = solar_to_lunar(day)
        assert lunar_to_solar(lunar.year, lunar.month, lunar.day, lunar.leap) == day
        day += timedelta(days=1)


def test_announced_2026_schedule() -> None:
    days = {h.day for h in holidays(2026)}
    tet = {date(2026, 2, d) for d in range(16, 21)}  # Mon 16/02 (29 Chạp) … Fri 20/02
    assert tet <= days
    assert date(2026, 1, 2) in days  # swapped with Saturday 10/01
    assert date(2026, 4, 27) in days  # nghỉ bù: Giỗ Tổ is Sunday 26/04
    assert {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)} <= days
    assert is_working_day(date(2026, 1, 10))  # the make-up Saturday
    assert not is_working_day(date(2026, 1, 17))  # an ordinary Saturday


def test_announced_2025_schedule() -> None:
    assert is_holiday(date(2025, 5, 2)) is not None
    assert is_working_day(date(2025, 4, 26))
    assert is_holiday(date(2025, 4, 7)) == Holiday(
        date(2025, 4, 7), "Giỗ Tổ Hùng Vương (10/3 âm lịch)", "Hung Kings' Commemoration Day"
    )


def test_computed_year_gives_nghi_bu_for_weekend_holidays() -> None:
    # 2027 is not announced yet. Tết is Saturday 06/02: eve Fri 05/02, mùng 1–4 Sat–Tue,
    # so the two weekend days are taken on Wed 10/02 and Thu 11/02. 1/5 is a Saturday:
    # Monday 03/05 is off. 2/9 is a Thursday: its adjacent day is Friday 03/09.
    days = {h.day: h for h in holidays(2027)}
    assert set(days) >= {date(2027, 2, d) for d in (5, 6, 7, 8, 9, 10, 11)}
    assert days[date(2027, 2, 10)].name_vi.startswith("Nghỉ bù")
    assert days[date(2027, 5, 3)].name_en == "International Labour Day (observed)"
    assert date(2027, 9, 3) in days
    assert not is_working_day(date(2027, 2, 11))
    assert is_working_day(date(2027, 2, 12))


def test_computed_nghi_bu_skips_days_already_off() -> None:
    # 2033: 1/1 is a Saturday → Monday 03/01. 30/4 Saturday and 1/5 Sunday: 30/4 takes
    # Monday 02/05, so 1/5 moves on to Tuesday 03/05.
    assert is_holiday(date(2033, 1, 3)) == Holiday(
        date(2033, 1, 3), "Nghỉ bù Tết Dương lịch", "New Year's Day (observed)"
    )
    assert is_holiday(date(2033, 5, 2)).name_en == "Reunification Day (observed)"  # type: ignore[union-attr]
    assert is_holiday(date(2033, 5, 3)).name_vi == "Nghỉ bù Ngày Quốc tế Lao động"  # type: ignore[union-attr]
    assert is_working_day(date(2033, 5, 4))


def test_working_days_and_saturdays() -> None:
    saturday = date(2026, 3, 7)
    assert not is_working_day(saturday)
    assert is_working_day(saturday, saturday=True)
    assert not is_working_day(date(2026, 3, 8), saturday=True)  # Sunday never
    assert not is_working_day(date(2026, 3, 9), closures={date(2026, 3, 9)})


def test_add_working_days_across_tet() -> None:
    # Thursday 12/02/2026 + 3 working days: Fri 13, then Tết (16–20) and two weekends,
    # Mon 23, Tue 24.
    assert add_working_days(date(2026, 2, 12), 3) == date(2026, 2, 24)
    assert working_days_between(date(2026, 2, 12), date(2026, 2, 24)) == 3
    assert add_working_days(date(2026, 2, 24), -3) == date(2026, 2, 12)
    assert working_days_between(date(2026, 2, 24), date(2026, 2, 12)) == -3
    assert add_working_days(date(2026, 2, 12), 0) == date(2026, 2, 12)


def test_closures_and_saturdays_in_arithmetic() -> None:
    start = date(2026, 3, 5)  # Thursday
    assert add_working_days(start, 2) == date(2026, 3, 9)  # Fri 6, Mon 9
    assert add_working_days(start, 2, saturday=True) == date(2026, 3, 7)
    assert add_working_days(start, 2, closures={date(2026, 3, 6)}) == date(2026, 3, 10)


def test_between_is_the_inverse_of_add() -> None:
    start = date(2026, 1, 1)
    for n in range(0, 60, 7):
        assert working_days_between(start, add_working_days(start, n)) == n


def test_out_of_range_year() -> None:
    with pytest.raises(ValueError, match="1900–2100"):
        holidays(2101)


def test_agrees_with_python_holidays_tables() -> None:
    """An independent cross-check: python-holidays keeps its own table of Vietnamese Tết
    and Giỗ Tổ dates (a different code base from lunar-vn)."""
    table = python_holidays.country_holidays(
        "VN", years=range(1995, 2100), observed=False, language="en_US"
    )
    tet = {d.year: d for d, name in table.items() if name == "Lunar New Year"}
    gio_to = {d.year: d for d, name in table.items() if name == "Hung Kings' Commemoration Day"}
    assert len(tet) == 105 and len(gio_to) == 93  # Giỗ Tổ is a holiday from 2007
    for year, day in tet.items():
        assert lunar_to_solar(year, 1, 1) == day
    for year, day in gio_to.items():
        assert lunar_to_solar(year, 3, 10) == day
