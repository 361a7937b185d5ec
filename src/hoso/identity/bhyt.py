"""BHYT card codes (mã thẻ BHYT) and the mã số BHXH inside them.

The 15-character code `XX Y ZZ NNNNNNNNNN` is what XML 130 carries in `MA_THE_BHYT`
("mỗi mã thẻ gồm có 15 ký tự", QĐ 4750 annex): beneficiary group, benefit level 1–5,
the 2-digit province code of the issuing office and the 10-digit mã số BHXH. Cards printed
since QĐ 1666/QĐ-BHXH (2021) show only the 10-digit number, so both shapes are accepted
(DOMAIN-VN.md §1.2).

Only the shape is a hard rule. Whether a group or a province code is known, and whether
the level fits the group, are warnings: the lists below come from secondary sources and
BHXH adds groups by decision, so a card we do not recognise may still be real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from hoso.identity.cccd import CCCD_PROVINCES

__all__ = [
    "BHYT_GROUP_LEVELS",
    "BHYT_PROVINCES",
    "BhytCard",
    "bhyt_warnings",
    "parse_bhxh",
    "parse_bhyt",
]

# Beneficiary group → the benefit level QĐ 1351/QĐ-BHXH (2015) gives it. The primary text
# was not found in the stored corpora; this is the 41-code list of QĐ 1351 as two public
# code bases repeat it (groups and levels agree; "TV", thân nhân CNVC quốc phòng, comes
# from one of them only). DOMAIN-VN.md §1.2 names a subset (DN, HC, HT, TE, …).
# Levels: 1 = 100 % without cap, 2 = 100 % with cap, 3 = 95 %, 4 = 80 %,
# 5 = 100 % including out-of-scope care (armed forces).
BHYT_GROUP_LEVELS: dict[str, int] = {
    # paid by employee and employer
    "DN": 4, "HX": 4, "CH": 4, "NN": 4, "TK": 4, "HC": 4, "XK": 4,
    # paid by the social-insurance fund
    "HT": 3, "TB": 4, "NO": 4, "CT": 4, "XB": 4, "TN": 4, "CS": 4,
    # paid by the state budget
    "QN": 5, "CA": 5, "CY": 5, "XN": 4, "MS": 4, "CC": 1, "CK": 2, "CB": 2, "KC": 2,
    "HD": 4, "TE": 1, "BT": 2, "HN": 2, "DT": 2, "DK": 2, "XD": 2, "TS": 2, "TC": 3,
    "TQ": 4, "TV": 4, "TA": 4, "TY": 4, "HG": 4, "LS": 4, "PV": 4,
    # part-subsidised by the state budget
    "CN": 3, "HS": 4, "SV": 4, "GB": 4,
    # households
    "GD": 4,
}  # fmt: skip

# The 2-digit province part uses the 63 pre-2025 codes (the CCCD codes without their
# leading 0); the 34 post-2025 provinces kept one predecessor's code, so they are included.
# Cards issued by BHXH of the Ministries of Defence and Public Security may carry codes of
# their own (not verified), which is one more reason an unknown code only warns.
BHYT_PROVINCES: dict[str, str] = {code[1:]: name for code, name in CCCD_PROVINCES.items()}

_SHAPE_15 = re.compile(r"[A-Z]{2}[1-5][0-9]{2}[0-9]{10}")
_TEN_DIGITS = re.compile(r"[0-9]{10}")  # ASCII only: str.isdigit() also takes "١٢"
_DIGITS = re.compile(r"[0-9]+")
_CAPITALS = re.compile(r"[A-Z]{2}")


def _msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


@dataclass(frozen=True, slots=True)
class BhytCard:
    """A well-formed card code; the 10-digit form has no group, level or province."""

    value: str
    kind: Literal["15", "10"]
    group: str | None  # XX: beneficiary group (mã đối tượng)
    level: int | None  # Y: benefit level (mức hưởng) 1–5
    province: str | None  # ZZ: province code of the issuing office
    number: str  # the 10-digit mã số BHXH, the person's lifelong number

    @property
    def province_name(self) -> str | None:
        return BHYT_PROVINCES.get(self.province) if self.province else None


def parse_bhxh(value: Any) -> str:
    """The mã số BHXH itself; `ValueError` (Vietnamese / English) unless 10 ASCII digits."""
    if not isinstance(value, str) or not _TEN_DIGITS.fullmatch(value):
        raise ValueError(_msg(
            f"Mã số BHXH phải gồm đúng 10 chữ số, nhận được {_shown(value)}",
            f"A social-insurance number (mã số BHXH) must be exactly 10 digits, got "
            f"{_shown(value)}"))
    return value


def parse_bhyt(value: Any) -> BhytCard:
    """Split a card code, 15 characters or the 10-digit number; `ValueError` naming the
    part that is wrong, so the clerk knows which character to fix."""
    if not isinstance(value, str) or not value:
        raise ValueError(_msg("Mã thẻ BHYT trống", "The BHYT card code is empty"))
    if any(ch.isspace() or ch in ".-_/" for ch in value):
        raise ValueError(_msg(
            "Mã thẻ BHYT phải viết liền, không có khoảng trắng hay dấu phân cách "
            "(ví dụ DN4790123456789)",
            "A BHYT card code must be written without spaces or separators "
            "(e.g. DN4790123456789)"))
    if len(value) == 10:
        if not _TEN_DIGITS.fullmatch(value):
            raise ValueError(_msg(
                "Mã thẻ BHYT 10 ký tự là mã số BHXH và phải gồm toàn chữ số",
                "A 10-character BHYT code is the social-insurance number and must be all "
                "digits"))
        return BhytCard(value, "10", None, None, None, value)
    if len(value) != 15:
        raise ValueError(_msg(
            f"Mã thẻ BHYT phải gồm 15 ký tự (hoặc 10 chữ số mã số BHXH), nhận được "
            f"{len(value)} ký tự",
            f"A BHYT card code must be 15 characters (or the 10-digit social-insurance "
            f"number), got {len(value)}"))
    if not _SHAPE_15.fullmatch(value):
        raise ValueError(_part_problem(value))
    return BhytCard(value, "15", value[:2], int(value[2]), value[3:5], value[5:])


def _part_problem(value: str) -> str:
    """The message for the first wrong part of a 15-character code."""
    group, level, province, number = value[:2], value[2], value[3:5], value[5:]
    if not _CAPITALS.fullmatch(group):
        lower = group.isascii() and group.isalpha()  # letters, just not capitals
        hint = ("; viết chữ in hoa", "; use capital letters") if lower else ("", "")
        return _msg(
            f"Hai ký tự đầu của mã thẻ BHYT (mã đối tượng) phải là chữ cái A–Z, nhận được "
            f"'{group}'{hint[0]}",
            f"The first two characters of a BHYT card code (beneficiary group) must be "
            f"letters A–Z, got '{group}'{hint[1]}")
    if level not in "12345":
        return _msg(
            f"Ký tự thứ 3 của mã thẻ BHYT (mức hưởng) phải là chữ số từ 1 đến 5, nhận được "
            f"'{level}'",
            f"The 3rd character of a BHYT card code (benefit level) must be a digit 1 to 5, "
            f"got '{level}'")
    if not _DIGITS.fullmatch(province):
        return _msg(
            f"Ký tự thứ 4–5 của mã thẻ BHYT (mã tỉnh) phải là 2 chữ số, nhận được "
            f"'{province}'",
            f"Characters 4–5 of a BHYT card code (province code) must be 2 digits, got "
            f"'{province}'")
    return _msg(
        f"10 ký tự cuối của mã thẻ BHYT (mã số BHXH) phải là chữ số, nhận được '{number}'",
        f"The last 10 characters of a BHYT card code (social-insurance number) must be "
        f"digits, got '{number}'")


def bhyt_warnings(card: BhytCard) -> list[str]:
    """What looks wrong in a well-formed 15-character code, one message per part."""
    if card.kind == "10" or card.group is None or card.level is None:
        return []
    found = []
    expected = BHYT_GROUP_LEVELS.get(card.group)
    if expected is None:
        found.append(_msg(
            f"Mã đối tượng '{card.group}' không có trong danh mục đối tượng BHYT đã biết",
            f"Beneficiary group '{card.group}' is not a known BHYT group"))
    elif expected != card.level:
        found.append(_msg(
            f"Mức hưởng {card.level} không khớp mã đối tượng {card.group} (thường là mức "
            f"{expected})",
            f"Benefit level {card.level} does not fit beneficiary group {card.group} "
            f"(usually level {expected})"))
    if card.province not in BHYT_PROVINCES:
        found.append(_msg(
            f"Mã tỉnh {card.province} trong mã thẻ BHYT không phải mã tỉnh đã biết",
            f"Province code {card.province} in the BHYT card code is not a known province"))
    return found


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)
