"""ISO weeks named by their Monday across a year's end, and the district-level grouping
of the 168 wards of 2025 (the pre-2025 district most of a ward came from)."""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter, defaultdict
from datetime import date

import pytest

from hoso.publichealth.series.districts import district_of, districts, place_of, ward_places
from hoso.publichealth.series.weeks import days_between, iso_label, monday, weeks_between


def test_iso_weeks_across_the_years_end() -> None:
    assert monday(date(2026, 1, 1)) == date(2025, 12, 29)  # a Thursday
    assert monday(date(2026, 1, 4)) == date(2025, 12, 29)  # its Sunday
    assert monday(date(2026, 1, 5)) == date(2026, 1, 5)
    assert iso_label(date(2025, 12, 29)) == "2026-W01"
    assert iso_label(date(2020, 12, 28)) == "2020-W53"
    assert list(weeks_between(date(2025, 12, 31), date(2026, 1, 12))) == [
        date(2025, 12, 29), date(2026, 1, 5), date(2026, 1, 12)]  # fmt: skip
    assert len(list(days_between(date(2024, 2, 28), date(2024, 3, 1)))) == 3  # leap day


def test_every_ward_has_its_former_district() -> None:
    places = ward_places()
    assert len(places) == 168 and len({p.code for p in places}) == 168
    assert len(districts()) == 38
    assert district_of("26740") == "Quận 1"  # Phường Sài Gòn: Bến Nghé, Đa Kao, NTB
    assert place_of("26740").name == "Phường Sài Gòn"  # type: ignore[union-attr]
    assert district_of("26732") == "Huyện Côn Đảo"
    assert district_of("25747") == "Thành phố Thủ Dầu Một"
    assert district_of("99999") is None and district_of(None) is None
    sizes = Counter(p.district for p in places)
    assert sizes["Thành phố Thủ Đức"] == 12 and min(sizes.values()) == 1
    # Some 2025 wards were made from wards of two districts: counted once, in the main one.
    assert any(p.also_from for p in places)


def test_the_table_is_what_the_converter_says() -> None:
    """legacy_districts.csv re-derived from vietnam-address-converter's old→new rows."""
    mapping = pytest.importorskip("vietnam_address_converter.data").mapping

    def norm(text: str) -> str:
        return unicodedata.normalize("NFC", " ".join(text.split())).lower()

    sources: dict[str, Counter[str]] = defaultdict(Counter)
    for row in mapping["rows"]:
        if row["new"]["province_code"] == "12":  # the converter's own code for HCMC
            district = " ".join(row["old"]["district_name"].split()).replace("Phố", "phố")
            sources[norm(row["new"]["ward_name"])][district] += 1
    for place in ward_places():
        ranked = sorted(sources[norm(place.name)].items(), key=lambda kv: (-kv[1], kv[0]))
        assert ranked[0][0] == place.district, place
        assert tuple(d for d, _ in ranked[1:]) == place.also_from, place


def test_the_table_names_the_nso_wards() -> None:
    from hoso.synth.places import all_wards

    nso = {str(w.code): " ".join(w.name.split()) for w in all_wards()}
    with open(place_of.__globals__["_TABLE"], encoding="utf-8") as handle:
        table = {row["ward"]: row["ward_name"] for row in csv.DictReader(handle)}
    assert table == nso
