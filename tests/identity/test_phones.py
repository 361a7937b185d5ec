"""Vietnamese phone numbers in their national form. All numbers are invented."""

from __future__ import annotations

from random import Random

import pytest

from hoso.identity.phones import MOBILE_PREFIXES_2018, normalise_phone, phone_problem
from hoso.synth.facilities import build_network
from hoso.synth.people import household


@pytest.mark.parametrize("text", [
    "0901234567", "+84 90 123 4567", "+84901234567", "84901234567", "0084 901 234 567",
    "0901.234.567", "090-123-4567", "(090) 123 4567", "+84 (0) 90 123 4567",
    "\t0901 234 567 ",
])  # fmt: skip
def test_one_mobile_written_many_ways(text: str) -> None:
    assert normalise_phone(text) == "0901234567"
    assert phone_problem(text) is None


@pytest.mark.parametrize(("text", "national"), [
    ("(028) 3822 1234", "02838221234"),  # Ho Chi Minh City
    ("024 3825 1234", "02438251234"),  # Hà Nội
    ("+84 28 3822 1234", "02838221234"),
    ("842838221234", "02838221234"),
    ("0274 382 1234", "02743821234"),  # a 3-digit area code and 7 digits
])  # fmt: skip
def test_landlines_keep_their_eleven_digits(text: str, national: str) -> None:
    assert normalise_phone(text) == national


@pytest.mark.parametrize(("old", "new"), [
    ("01695678945", "0395678945"),  # the ministry's own example
    ("0162 123 4567", "0321234567"),
    ("+84 120 123 4567", "0701234567"),
    ("0121.123.4567", "0791234567"),
    ("01231234567", "0831234567"),
    ("01861234567", "0561234567"),
    ("01991234567", "0591234567"),
])  # fmt: skip
def test_old_eleven_digit_mobiles_are_converted(old: str, new: str) -> None:
    assert normalise_phone(old) == new


def test_conversion_table_has_the_21_prefixes() -> None:
    assert len(MOBILE_PREFIXES_2018) == 21
    assert all(len(k) == 4 and k.startswith("01") for k in MOBILE_PREFIXES_2018)
    assert all(len(v) == 3 and v[1] in "3578" for v in MOBILE_PREFIXES_2018.values())


@pytest.mark.parametrize(("text", "vi", "en"), [
    ("", "Số điện thoại trống", "The phone number is empty"),
    (" - ", "Số điện thoại trống", "The phone number is empty"),
    ("0901 234 567 ext 12", "chỉ được có chữ số, dấu + ở đầu",
     "may contain only digits, a leading +"),
    ("09O1234567", "chỉ được có chữ số", "may contain only digits"),
    ("+1 415 555 0100", "không có mã quốc gia Việt Nam (+84)",
     "does not have Vietnam's country code (+84)"),
    ("0044 20 7946 0000", "không có mã quốc gia Việt Nam", "Vietnam's country code"),
    ("090123456", "có 10 chữ số (di động) hoặc 11 chữ số (cố định), nhận được 9",
     "has 10 digits (mobile) or 11 (landline), got 9"),
    ("090123456789", "nhận được 12", "got 12"),
    ("01301234567", "Đầu số 0130 không có trong bảng chuyển đổi thuê bao 11 số sang 10 số",
     "Prefix 0130 is not in the 2018 table converting 11-digit mobiles"),
    ("0123456789", "Đầu số 012 không phải đầu số di động (03, 05, 07, 08, 09) hay mã vùng "
     "cố định (02)", "Prefix 012 is neither a mobile prefix (03, 05, 07, 08, 09) nor a "
     "landline area code (02)"),
    ("0412345678", "Đầu số 041 không phải đầu số di động", "Prefix 041 is neither"),
    ("09012345678", "Đầu số 090 không phải", "Prefix 090 is neither"),
    ("1900 1234", "nhận được 8", "got 8"),
])  # fmt: skip
def test_what_is_not_a_vietnamese_number_says_why(text: str, vi: str, en: str) -> None:
    assert normalise_phone(text) is None
    message = phone_problem(text)
    assert message is not None
    vietnamese, english = message.split(" / ")
    assert vi in vietnamese
    assert en in english


def test_non_strings_are_not_numbers() -> None:
    assert normalise_phone(None) is None  # type: ignore[arg-type]
    assert phone_problem(None) == "Số điện thoại trống / The phone number is empty"  # type: ignore[arg-type]


def test_numbers_of_the_synthetic_population_are_already_national() -> None:
    net, rng = build_network(200, 7), Random(7)
    phones = [p.phone for first in range(0, 200, 4)
              for p in household(rng, first, 4, 7, net) if p.phone]
    assert len(phones) > 100
    assert all(normalise_phone(phone) == phone for phone in phones)
    assert all(normalise_phone("+84 " + phone[1:]) == phone for phone in phones)
