"""Addresses reduced to the post-2025 ward (NSO code), the original text kept."""

from __future__ import annotations

import pytest

from hoso.identity.addresses import normalise_address, ward_key


@pytest.mark.parametrize(
    ("address", "code", "name"),
    [
        # Old three-level addresses: the district names the pre-2025 ward.
        ({"text": "P. Bến Nghé, Q.1, TP.HCM"}, "26740", "Phường Sài Gòn"),
        ({"text": "P12, Q. Tân Bình, TPHCM"}, "26983", "Phường Bảy Hiền"),
        ({"line": ["5 Võ Văn Ngân"], "city": "Phường Linh Chiểu",
          "district": "Thành phố Thủ Đức", "state": "TP.HCM"}, "26824", "Phường Thủ Đức"),
        ({"city": "Xã Bình Chánh", "district": "Huyện Bình Chánh", "state": "TP HCM"},
         "27637", "Xã Bình Chánh"),
        # Current two-level addresses, with and without diacritics.
        ({"line": ["12 Lê Lợi"], "city": "Phường Bến Thành",
          "state": "Thành phố Hồ Chí Minh"}, "26743", "Phường Bến Thành"),
        ({"text": "phuong ben thanh, ho chi minh"}, "26743", "Phường Bến Thành"),
    ],
)
def test_ward_resolved_to_its_nso_code(address: dict, code: str, name: str) -> None:
    found = normalise_address(address)
    assert (found.ward_code, found.ward_name, found.province_code) == (code, name, "79")
    assert found.confidence >= 0.9


def test_the_original_text_is_kept() -> None:
    found = normalise_address({"text": "P. Bến Nghé, Q.1, TP.HCM"})
    assert found.original == "P. Bến Nghé, Q.1, TP.HCM"
    parts = normalise_address({"line": ["12 Lê Lợi"], "city": "Phường Bến Thành"})
    assert parts.original == "12 Lê Lợi, Phường Bến Thành"


def test_an_exact_name_is_surer_than_a_folded_one() -> None:
    exact = normalise_address({"city": "Phường Bến Thành", "state": "Thành phố Hồ Chí Minh"})
    folded = normalise_address({"text": "phuong ben thanh, ho chi minh"})
    assert exact.confidence > folded.confidence


@pytest.mark.parametrize(
    "address", [{"text": "xyz"}, {"text": "10 Main St", "country": "US"}, {}]
)
def test_unresolvable_addresses_say_so(address: dict) -> None:
    found = normalise_address(address)
    assert (found.ward_code, found.province_code, found.confidence) == (None, None, 0.0)


def test_old_and_new_forms_of_one_ward_give_one_matching_key() -> None:
    old = ward_key({"text": "P. Bến Nghé, Q.1, TP.HCM"})
    new = ward_key({"city": "Phường Sài Gòn", "state": "TP Hồ Chí Minh"})
    assert old == new == "26740"
