"""Drug registration numbers (`hoso.warehouse.supply.registration`): every format in
circulation parsed into its parts, and every malformed one refused in Vietnamese."""

from __future__ import annotations

import pytest

from hoso.core.errors import InvalidRequest
from hoso.warehouse.supply.registration import NEW_FORMAT, parse_registration


@pytest.mark.parametrize(("raw", "kind", "domestic", "sequence", "year"), [
    ("VD-12345-19", "VD", True, "12345", 2019),
    ("VN-20544-17", "VN", False, "20544", 2017),
    ("vn2-123-13", "VN2", False, "123", 2013),
    ("QLĐB-552-16", "QLĐB", None, "552", 2016),
    ("QLDB-552-16", "QLĐB", None, "552", 2016),  # an ASCII-only system's spelling
    ("GC-0291-18", "GC", True, "0291", 2018),  # leading zero kept
    ("VS-4891-98", "VS", True, "4891", 1998),
    (" VD – 27350 – 17 ", "VD", True, "27350", 2017),  # spaces and an en dash
])  # fmt: skip
def test_old_formats(raw: str, kind: str, domestic: bool | None, sequence: str,
                     year: int) -> None:  # fmt: skip
    found = parse_registration(raw)
    assert (found.kind, found.domestic, found.sequence, found.year) == (
        kind, domestic, sequence, year)  # fmt: skip
    assert found.country is None


def test_new_twelve_digit_format() -> None:
    found = parse_registration("893110012323")
    assert found.kind == NEW_FORMAT and found.number == "893110012323"
    assert (found.country, found.domestic, found.sequence, found.year) == (
        "893", True, "00123", 2023)
    assert (found.product_digit, found.procedure_digit) == ("1", "1")
    imported = parse_registration("890110004524")
    assert imported.domestic is False and imported.country == "890" and imported.year == 2024


@pytest.mark.parametrize(("raw", "says"), [
    ("", "trống"),
    ("VD-12345", "không đúng dạng"),
    ("XX-12345-19", "ký hiệu 'XX'"),
    ("89311001232", "12 chữ số (có 11)"),
    ("8931100123234", "12 chữ số (có 13)"),
    ("893110012315", "trước khi có định dạng"),
    ("VD-1234567-19", "không đúng dạng"),
    ("V" * 300, "dài quá"),
    ("VD-12a45-19", "không đúng dạng"),
])  # fmt: skip
def test_bad_numbers_are_refused_in_vietnamese(raw: str, says: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_registration(raw)
    assert says in caught.value.message
    assert "/ drug registration number" in caught.value.message
    assert len(caught.value.message) < 500  # the input is not echoed whole
