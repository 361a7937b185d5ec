"""Birth dates in Vietnamese forms, their swapped reading, and plausibility."""

from __future__ import annotations

from datetime import date

import pytest

from hoso.identity.birth_dates import parse_vn_date, plausible_birth_date, swapped_day_month

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(("iso", "swapped"), [
    ("1990-05-03", "1990-03-05"),
    ("1990-12-01", "1990-01-12"),
    ("2000-02-12", "2000-12-02"),
    ("1990-05-05", None),  # day == month: the same date
    ("1990-05-13", None),  # 13 cannot be a month
    ("1990-05-31", None),
    ("1990-05", None),  # partial date
    ("1990", None),
    ("03/05/1990", None),  # not ISO
    ("1990-00-03", None),
    ("1990-13-03", None),
])  # fmt: skip
def test_swapped_day_month(iso: str, swapped: str | None) -> None:
    assert swapped_day_month(iso) == swapped


def test_every_day_of_a_year_that_can_be_swapped_is_found() -> None:
    days = [date(2023, 1, 1).toordinal() + k for k in range(365)]
    found = [d for d in days if swapped_day_month(date.fromordinal(d).isoformat())]
    assert len(found) == 132  # 12 × 12 day/month pairs minus the 12 with day == month


@pytest.mark.parametrize("text", [
    "03/05/1990", "3/5/1990", "03-05-1990", "03.05.1990", "1990-05-03", "19900503",
    "199005030000", "199005031430", " 03/05/1990 ",
])  # fmt: skip
def test_parse_vn_date(text: str) -> None:
    assert parse_vn_date(text) == date(1990, 5, 3)


@pytest.mark.parametrize(("text", "vi", "en"), [
    ("", "Ngày trống", "The date is empty"),
    ("03/05/90", "Năm trong ngày '03/05/90' phải có 4 chữ số",
     "The year in date '03/05/90' must have 4 digits"),
    ("1990/05/03", "Không đọc được ngày '1990/05/03': dùng dd/mm/yyyy, yyyy-mm-dd hoặc yyyymmdd",
     "Cannot read date '1990/05/03': use dd/mm/yyyy, yyyy-mm-dd or yyyymmdd"),
    ("03/05-1990", "Không đọc được ngày", "Cannot read date"),
    ("mùng 3 tháng 5", "Không đọc được ngày", "Cannot read date"),
    ("31/02/2000", "Ngày 31/02/2000 không có trong lịch", "2000-02-31 is not a calendar date"),
    ("2001-02-29", "Ngày 29/02/2001 không có trong lịch", "2001-02-29 is not a calendar date"),
    ("199000000000", "Ngày '199000000000' không có ngày hoặc tháng (ghi 00)",
     "Date '199000000000' has no day or month (written as 00)"),
    ("00/05/1990", "không có ngày hoặc tháng", "has no day or month"),
])  # fmt: skip
def test_unreadable_dates_say_why(text: str, vi: str, en: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_vn_date(text)
    vietnamese, english = str(caught.value).split(" / ")
    assert vi in vietnamese
    assert en in english


def test_leap_day_is_a_date() -> None:
    assert parse_vn_date("29/02/2000") == date(2000, 2, 29)


def test_plausible_birth_dates() -> None:
    assert plausible_birth_date(date(1990, 5, 3), TODAY) == []
    assert plausible_birth_date(TODAY, TODAY) == []  # born today
    assert plausible_birth_date(date(1905, 6, 1), TODAY) == []  # exactly 120


def test_future_birth_date() -> None:
    assert plausible_birth_date(date(2025, 6, 2), TODAY) == [
        "Ngày sinh 02/06/2025 ở tương lai / Birth date 2025-06-02 is in the future"]


def test_older_than_120() -> None:
    assert plausible_birth_date(date(1904, 6, 2), TODAY) == []  # 120, turning 121 tomorrow
    assert plausible_birth_date(date(1904, 6, 1), TODAY) == [
        "Ngày sinh 01/06/1904 cho tuổi 121, trên 120 tuổi / "
        "Birth date 1904-06-01 gives age 121, over 120"]
