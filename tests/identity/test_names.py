"""Vietnamese names reduced to comparable parts, whatever way they were registered.

Names are invented combinations of common Vietnamese name words.
"""

from __future__ import annotations

from random import Random

import pytest

from hoso.identity.names import (
    COMMON_FAMILY_NAMES,
    NameParts,
    display_name,
    fold_name,
    name_key,
    name_parts,
)
from hoso.synth.facilities import build_network
from hoso.synth.people import household

AN = NameParts("nguyen", "van", "an")


def test_fold_name() -> None:
    assert fold_name("NGUYỄN  Văn. AN") == "nguyen van an"
    assert fold_name("Đặng Thị Ánh-Tuyết") == "dang thi anh tuyet"
    assert fold_name("  ") == ""


def test_common_family_names_are_folded() -> None:
    assert {"nguyen", "tran", "le", "pham", "hoang", "huynh", "vu", "vo", "dang", "do"} <= (
        COMMON_FAMILY_NAMES)
    assert all(name == fold_name(name) for name in COMMON_FAMILY_NAMES)
    assert "van" not in COMMON_FAMILY_NAMES and "kim" not in COMMON_FAMILY_NAMES
    assert 40 <= len(COMMON_FAMILY_NAMES) <= 60


@pytest.mark.parametrize("name", [
    {"family": "Nguyễn", "given": ["Văn", "An"]},
    {"family": "NGUYỄN", "given": ["VĂN", "AN"]},
    {"family": "Nguyen", "given": ["Van An"]},
    {"family": " Nguyễn ", "given": ["  Văn", "An  "]},
    {"text": "Nguyễn Văn An"},
    {"text": "nguyen  van   an"},
    {"text": "Văn An Nguyễn"},  # Western order
    {"given": ["Văn", "An", "Nguyễn"]},  # all of it in given, Western order
    {"family": "An", "given": ["Nguyễn", "Văn"]},  # family and given in swapped fields
    {"family": "Nguyễn Văn", "given": ["An"]},  # middle name typed into family
    {"family": "Nguyễn Văn An"},
    {"text": "Nguyễn, Văn An"},
])  # fmt: skip
def test_one_person_written_many_ways(name: dict[str, object]) -> None:
    assert name_parts(name) == AN


def test_initials_are_kept_for_the_matcher() -> None:
    assert name_parts({"text": "Nguyễn V. An"}) == NameParts("nguyen", "v", "an")
    assert name_parts({"family": "Trần", "given": ["T.", "K.", "Ngân"]}) == NameParts(
        "tran", "t k", "ngan")


def test_structure_wins_over_text() -> None:
    name = {"text": "Bé Na", "family": "Lê", "given": ["Thị", "Na"]}
    assert name_parts(name) == NameParts("le", "thi", "na")


@pytest.mark.parametrize(("name", "parts"), [
    ({"text": "Lê Văn Hoàng"}, NameParts("le", "van", "hoang")),  # both ends family names
    ({"text": "Trần Thị Mai"}, NameParts("tran", "thi", "mai")),
    ({"text": "Trần Kim Ngân"}, NameParts("tran", "kim", "ngan")),
    ({"text": "Thạch Thị Sa Rươl"}, NameParts("thach", "thi sa", "ruol")),
    ({"family": "Nguyễn", "given": ["Hoàng", "Lâm"]}, NameParts("nguyen", "hoang", "lam")),
])  # fmt: skip
def test_vietnamese_order_is_left_alone(name: dict[str, object], parts: NameParts) -> None:
    assert name_parts(name) == parts


def test_single_words_and_empty_names() -> None:
    assert name_parts({"given": ["Tí"]}) == NameParts("", "", "ti")
    assert name_parts({"family": "Phạm"}) == NameParts("pham", "", "")
    assert name_parts({"text": "Bống"}) == NameParts("", "", "bong")
    assert name_parts({}) is None
    assert name_parts({"text": " . "}) is None
    assert name_parts({"family": 3, "given": "An"}) is None  # not FHIR shapes


def test_display_name_and_key() -> None:
    assert display_name(AN) == "Nguyen Van An"
    assert display_name(NameParts("", "", "ti")) == "Ti"
    assert name_key(AN) == "nguyen an"
    assert name_key(NameParts("", "", "ti")) == "ti"
    assert name_key(name_parts({"text": "Nguyễn Thị Minh An"})) == "nguyen an"


def test_names_of_the_synthetic_population() -> None:
    """Structured, text-only, capitalised and unmarked forms of each generated name agree."""
    net, rng = build_network(200, 5), Random(5)
    people = [p for first in range(0, 200, 4) for p in household(rng, first, 4, 5, net)]
    for p in people:
        parts = name_parts({"family": p.family, "given": p.given})
        assert parts is not None
        assert (parts.family, parts.given) == (fold_name(p.family), fold_name(p.given[-1]))
        assert name_parts({"text": p.text}) == parts
        assert name_parts({"text": fold_name(p.text).upper()}) == parts


def test_known_limit_a_rare_family_name_before_a_given_name_that_is_also_one() -> None:
    """"Văn" is a (rare) family name and "Trinh" folds like the family name Trịnh: from
    text alone this reads as Western order. The structured form is not affected."""
    assert name_parts({"text": "Văn Ngọc Trinh"}) == NameParts("trinh", "van", "ngoc")
    assert name_parts({"family": "Văn", "given": ["Ngọc", "Trinh"]}) == NameParts(
        "van", "ngoc", "trinh")
