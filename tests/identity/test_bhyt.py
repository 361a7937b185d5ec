"""BHYT card codes: the shape is a hard rule, group/level/province only warn.

Every code here is invented: valid structure, made-up social-insurance numbers.
"""

from __future__ import annotations

import pytest

from hoso.identity.bhyt import (
    BHYT_GROUP_LEVELS,
    BHYT_PROVINCES,
    BhytCard,
    bhyt_warnings,
    parse_bhxh,
    parse_bhyt,
)


def test_parse_fifteen_character_code() -> None:
    card = parse_bhyt("DN4790123456789")
    assert card == BhytCard("DN4790123456789", "15", "DN", 4, "79", "0123456789")
    assert card.province_name == "TP. Hồ Chí Minh"
    assert bhyt_warnings(card) == []


def test_parse_ten_digit_number_of_the_new_card() -> None:
    card = parse_bhyt("7912345678")
    assert card == BhytCard("7912345678", "10", None, None, None, "7912345678")
    assert card.province_name is None
    assert bhyt_warnings(card) == []


def test_group_table_follows_qd_1351() -> None:
    assert len(BHYT_GROUP_LEVELS) == 44
    assert {g for g, level in BHYT_GROUP_LEVELS.items() if level == 5} == {"QN", "CA", "CY"}
    assert {g for g, level in BHYT_GROUP_LEVELS.items() if level == 1} == {"CC", "TE"}
    assert BHYT_PROVINCES["79"] == "TP. Hồ Chí Minh" and len(BHYT_PROVINCES) == 63


@pytest.mark.parametrize("value", ["TE1790000000001", "HT3740000000002", "QN5010000000003",
                                   "CK2770000000004", "BT2790000000005", "GD4960000000006"])
def test_known_groups_at_their_level_pass_without_warning(value: str) -> None:
    assert bhyt_warnings(parse_bhyt(value)) == []


@pytest.mark.parametrize(("value", "vi", "en"), [
    ("", "Mã thẻ BHYT trống", "The BHYT card code is empty"),
    ("DN 4 79 0123456789", "phải viết liền, không có khoảng trắng",
     "without spaces or separators"),
    ("DN4-79-0123456789", "phải viết liền", "without spaces or separators"),
    ("DN479012345678", "phải gồm 15 ký tự (hoặc 10 chữ số mã số BHXH), nhận được 14 ký tự",
     "must be 15 characters (or the 10-digit social-insurance number), got 14"),
    ("DN47901234567890", "nhận được 16 ký tự", "got 16"),
    ("79123456A8", "10 ký tự là mã số BHXH và phải gồm toàn chữ số",
     "10-character BHYT code is the social-insurance number and must be all digits"),
    ("dn4790123456789", "phải là chữ cái A–Z, nhận được 'dn'; viết chữ in hoa",
     "must be letters A–Z, got 'dn'; use capital letters"),
    ("D14790123456789", "(mã đối tượng) phải là chữ cái A–Z, nhận được 'D1'",
     "(beneficiary group) must be letters A–Z, got 'D1'"),
    ("ĐN4790123456789", "nhận được 'ĐN'", "got 'ĐN'"),
    ("DN6790123456789", "Ký tự thứ 3 của mã thẻ BHYT (mức hưởng) phải là chữ số từ 1 đến 5, "
     "nhận được '6'", "(benefit level) must be a digit 1 to 5, got '6'"),
    ("DN0790123456789", "nhận được '0'", "got '0'"),
    ("DN47A0123456789", "Ký tự thứ 4–5 của mã thẻ BHYT (mã tỉnh) phải là 2 chữ số, nhận "
     "được '7A'", "(province code) must be 2 digits, got '7A'"),
    ("DN479012345678X", "10 ký tự cuối của mã thẻ BHYT (mã số BHXH) phải là chữ số, nhận "
     "được '012345678X'", "(social-insurance number) must be digits, got '012345678X'"),
    ("DN479０123456789", "(mã số BHXH) phải là chữ số", "must be digits"),
])  # fmt: skip
def test_malformed_codes_say_which_part_is_wrong(value: str, vi: str, en: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_bhyt(value)
    vietnamese, english = str(caught.value).split(" / ")
    assert vi in vietnamese
    assert en in english


@pytest.mark.parametrize("value", [None, 4790123456789, ["DN4790123456789"]])
def test_non_strings_are_empty_codes(value: object) -> None:
    with pytest.raises(ValueError, match="Mã thẻ BHYT trống / The BHYT card code is empty"):
        parse_bhyt(value)


def test_unknown_group_warns() -> None:
    assert bhyt_warnings(parse_bhyt("ZZ4790123456789")) == [
        "Mã đối tượng 'ZZ' không có trong danh mục đối tượng BHYT đã biết / "
        "Beneficiary group 'ZZ' is not a known BHYT group"]


def test_level_that_does_not_fit_the_group_warns() -> None:
    assert bhyt_warnings(parse_bhyt("TE4790123456789")) == [
        "Mức hưởng 4 không khớp mã đối tượng TE (thường là mức 1) / "
        "Benefit level 4 does not fit beneficiary group TE (usually level 1)"]


def test_unknown_province_warns() -> None:
    assert bhyt_warnings(parse_bhyt("DN4030123456789")) == [
        "Mã tỉnh 03 trong mã thẻ BHYT không phải mã tỉnh đã biết / "
        "Province code 03 in the BHYT card code is not a known province"]


def test_every_suspicion_is_reported_at_once() -> None:
    messages = bhyt_warnings(parse_bhyt("QN4990123456789"))
    assert [m.split(" / ")[1].split()[0] for m in messages] == ["Benefit", "Province"]


def test_bhxh_number_is_ten_ascii_digits() -> None:
    assert parse_bhxh("7900012345") == "7900012345"
    for bad in ("790001234", "79000123456", "79000A2345", "７９00012345", None):
        with pytest.raises(ValueError) as caught:
            parse_bhxh(bad)
        assert str(caught.value).startswith("Mã số BHXH phải gồm đúng 10 chữ số, nhận được ")
        assert " / A social-insurance number (mã số BHXH) must be exactly 10 digits" in str(
            caught.value)
