"""Vietnamese personal names, reduced to what a matcher can compare.

A full name is `Họ [tên đệm…] Tên`: family name first, then middle names, then the given
name that people are called by. Registrations get it wrong in a few recurring ways, and
each is undone here so that two records of one person compare equal:

- capitals, missing diacritics, đ typed as d, doubled spaces: `fold_name`;
- initials ("Nguyễn V. An"): the initial is kept as a one-letter middle name, so a
  matcher can still see that "v" agrees with "van";
- Western order ("Văn An Nguyễn") or family and given in swapped FHIR fields: detected
  when the last word is a common Vietnamese family name and the first is not (so a rare
  family name before a given name that folds like a family name, "Văn Ngọc Trinh", is
  misread from text alone; about 1 in 10,000 of the synthetic population).

Compound family names ("Tôn Nữ", "Âu Dương") keep only their first word as `family`; the
rest goes to `middle`. That is a simplification, but it is the same for the text form
and the structured form of a name, which is what matching needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hoso.core.text import fold

__all__ = [
    "COMMON_FAMILY_NAMES",
    "NameParts",
    "display_name",
    "fold_name",
    "name_key",
    "name_parts",
]

# The most common family names of Vietnam (Nguyễn alone: roughly a third of people), with the
# southern variants (Huỳnh for Hoàng, Võ for Vũ), Hoa and Khmer names that are common in
# Ho Chi Minh City; folded, so "Lý" and "Ly" are one entry. "Văn" is left out on purpose:
# it is the most common middle name, and as a family name it is rare; so is "Kim", a
# common middle name of women ("Trần Kim Ngân").
COMMON_FAMILY_NAMES: frozenset[str] = frozenset(fold(name) for name in (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đoàn", "Đinh", "Lâm", "Đào", "Trịnh",
    "Mai", "Cao", "Lương", "Lưu", "Châu", "Tô", "Hà", "Tạ", "Thái", "Quách", "La",
    "Thạch", "Từ", "Kiều", "Diệp", "Phùng", "Tăng", "Triệu", "Vương", "Danh", "Mạc",
    "Nghiêm", "Lại", "Giang", "Khổng", "Âu",
))  # fmt: skip

_NOT_A_LETTER = re.compile(r"[\W_]+")  # punctuation of initials ("V."), hyphens, commas


def fold_name(text: str) -> str:
    """Case-, diacritic-, đ- and spacing-insensitive form of a name, punctuation dropped:
    "NGUYỄN  Văn. AN" → "nguyen van an"."""
    return " ".join(_NOT_A_LETTER.sub(" ", fold(text)).split())


@dataclass(frozen=True)
class NameParts:
    """A name as the matcher compares it; every part folded, `middle` '' when absent."""

    family: str
    middle: str
    given: str


def name_parts(name: dict[str, Any]) -> NameParts | None:
    """The parts of a FHIR HumanName: `family` + `given[]` when present, else `text`;
    None when it holds no letters at all."""
    family = _words(name.get("family"))
    given = [w for g in _strings(name.get("given")) for w in _words(g)]
    if family and given:
        if family[0] not in COMMON_FAMILY_NAMES and given[0] in COMMON_FAMILY_NAMES:
            return _split(given + family)  # "family: An, given: Nguyễn Văn"
        return _split(family + given)
    if family and len(family) == 1:
        return NameParts(family[0], "", "")
    words = family or given or _words(name.get("text"))
    if not words:
        return None
    return _split(_vietnamese_order(words))


def display_name(parts: NameParts) -> str:
    """The folded name in Vietnamese order and title case, for match reports and logs
    (the marks are gone: show the stored name to people when you have it)."""
    return " ".join(w.capitalize() for w in (parts.family, parts.middle, parts.given) if w)


def name_key(parts: NameParts) -> str:
    """Blocking key: folded family and given name. Middle names are left out because
    they are the part most often dropped or abbreviated."""
    return f"{parts.family} {parts.given}".strip()


def _vietnamese_order(words: list[str]) -> list[str]:
    """Move a trailing family name to the front: "van an nguyen" → "nguyen van an"."""
    if len(words) >= 2 and words[-1] in COMMON_FAMILY_NAMES and (
        words[0] not in COMMON_FAMILY_NAMES
    ):
        return [words[-1], *words[:-1]]
    return words


def _split(words: list[str]) -> NameParts:
    if len(words) == 1:
        return NameParts("", "", words[0])
    return NameParts(words[0], " ".join(words[1:-1]), words[-1])


def _words(value: Any) -> list[str]:
    return fold_name(value).split() if isinstance(value, str) else []


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
