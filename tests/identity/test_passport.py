"""Passports: Vietnamese numbers are a letter and 7 digits; others follow ICAO 9303.

All numbers are invented.
"""

from __future__ import annotations

import pytest

from hoso.identity.passport import (
    is_passport,
    parse_passport,
    passport_country,
    passport_system,
    passport_warnings,
)

PPN = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PPN"}]}


def test_system_follows_hl7_passport_namespaces() -> None:
    assert passport_system("vnm") == "http://hl7.org/fhir/sid/passport-VNM"
    assert passport_country({"system": "http://hl7.org/fhir/sid/passport-KOR"}) == "KOR"
    assert passport_country({"system": "http://hl7.org/fhir/sid/passport-KR"}) is None
    assert passport_country({"system": "urn:hospital:passport", "type": PPN}) is None


def test_a_passport_is_known_by_its_system_or_its_type() -> None:
    assert is_passport({"system": "http://hl7.org/fhir/sid/passport-JPN", "value": "TR1234567"})
    assert is_passport({"system": "urn:hospital:passport", "type": PPN})
    assert not is_passport({"system": "urn:hospital:mrn", "value": "A1234567"})
    assert not is_passport({"type": {"coding": [{"code": "PPN"}]}})  # no v2-0203 system
    assert not is_passport({"type": {"coding": "PPN"}})


@pytest.mark.parametrize("value", ["C1234567", "B7654321", "N0000001"])
def test_vietnamese_passport_is_a_letter_and_seven_digits(value: str) -> None:
    assert parse_passport(value, "VNM") == value


@pytest.mark.parametrize("value", ["C123456", "C12345678", "12345678", "CC123456"])
def test_vietnamese_passport_of_another_shape_is_refused(value: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_passport(value, "VNM")
    assert str(caught.value) == (
        "Số hộ chiếu Việt Nam gồm 1 chữ cái và 7 chữ số (ví dụ C1234567), nhận được "
        f"'{value}' / A Vietnamese passport number is one letter and 7 digits "
        f"(e.g. C1234567), got '{value}'")


@pytest.mark.parametrize(("value", "country"), [
    ("M12345678", "KOR"), ("TR1234567", "JPN"), ("123456789", "USA"), ("X1234", None),
    ("AB12345", "FRA"),
])  # fmt: skip
def test_foreign_passport_is_five_to_nine_icao_characters(value: str, country: str) -> None:
    assert parse_passport(value, country) == value


@pytest.mark.parametrize(("value", "vi", "en"), [
    ("", "Số hộ chiếu trống", "The passport number is empty"),
    ("AB 123456", "phải viết liền, không có khoảng trắng", "without spaces, separators"),
    ("AB123456<", "ký tự '<'", "'<' fillers"),
    ("ab123456", "phải viết chữ in hoa: 'AB123456'", "must be in capital letters: 'AB123456'"),
    ("ÄB123456", "chỉ gồm chữ cái A–Z và chữ số 0–9, nhận được 'ÄB123456'",
     "only letters A–Z and digits 0–9, got 'ÄB123456'"),
    ("A123", "phải dài từ 5 đến 9 ký tự (ICAO 9303), nhận được 4",
     "must be 5 to 9 characters long (ICAO 9303), got 4"),
    ("A123456789", "nhận được 10", "got 10"),
])  # fmt: skip
def test_malformed_foreign_numbers_name_the_problem(value: str, vi: str, en: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_passport(value, "DEU")
    vietnamese, english = str(caught.value).split(" / ")
    assert vi in vietnamese
    assert en in english


def test_no_warning_when_the_country_is_in_the_system() -> None:
    assert passport_warnings({"system": passport_system("THA"), "value": "AA1234567"}) == []


def test_malformed_country_suffix_warns() -> None:
    [message] = passport_warnings({"system": "http://hl7.org/fhir/sid/passport-Thai"})
    assert message == (
        "Hệ định danh hộ chiếu 'http://hl7.org/fhir/sid/passport-Thai' phải kết thúc bằng mã "
        "quốc gia ISO 3166 ba chữ cái, ví dụ http://hl7.org/fhir/sid/passport-VNM / "
        "Passport system 'http://hl7.org/fhir/sid/passport-Thai' must end in an ISO 3166 "
        "three-letter country code, e.g. http://hl7.org/fhir/sid/passport-VNM")


def test_passport_of_an_own_system_warns_that_the_country_is_unknown() -> None:
    [message] = passport_warnings({"system": "urn:hospital:passport", "type": PPN})
    assert message.startswith("Không rõ quốc gia cấp hộ chiếu")
    assert "The issuing country of the passport is unknown" in message
