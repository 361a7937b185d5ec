"""The "district-level grouping" of the 2025 wards.

Districts were abolished on 01/07/2025 (two-level government); the city's reports still
compare areas the size of the old districts. The grouping here is the pre-2025 district
most of a 2025 ward's former wards belonged to (HCMC's 22 districts and Thủ Đức city,
Bình Dương's and Bà Rịa–Vũng Tàu's districts: 38 groups over the 168 wards). A ward made
from wards of two districts is counted once, in its main one; `also_from` keeps the
others, shown on the pages.

`legacy_districts.csv` beside this module was made once from the old→new mapping of
`vietnam-address-converter` 1.0.5 (mapping "10_25", rows of Thành phố Hồ Chí Minh),
matched to the NSO ward names of `vietnam-provinces` (all 168 matched);
`vietnam-provinces` 2025.10.1, the version that runs on Python 3.11, has no legacy
look-ups (`Ward.search_from_legacy` came with 2026.x, which needs Python 3.12). The test
tests/publichealth/series/test_districts.py re-derives the table from the converter.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["CITY", "WardPlace", "district_of", "districts", "ward_places"]

CITY = "city"  # the whole city, as ph_signal.ward names it
_TABLE = Path(__file__).with_name("legacy_districts.csv")


@dataclass(frozen=True, slots=True)
class WardPlace:
    code: str  # NSO code, as ph_case.ward holds it
    name: str  # "Phường Sài Gòn"
    district: str  # "Quận 1": the pre-2025 district most of it came from
    province: str  # the pre-2025 province: HCMC, Bình Dương or Bà Rịa–Vũng Tàu
    also_from: tuple[str, ...]  # other pre-2025 districts part of it came from


@cache
def ward_places() -> tuple[WardPlace, ...]:
    """The 168 wards, by NSO code."""
    with _TABLE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            WardPlace(row["ward"], row["ward_name"], row["district"], row["province"],
                      tuple(x for x in row["also_from"].split(";") if x))
            for row in csv.DictReader(handle)
        )  # fmt: skip


@cache
def _by_code() -> dict[str, WardPlace]:
    return {place.code: place for place in ward_places()}


def place_of(ward: str) -> WardPlace | None:
    return _by_code().get(ward)


def district_of(ward: str | None) -> str | None:
    """The grouping of a ward code; None for a code that is not one of the 168."""
    place = _by_code().get(ward or "")
    return place.district if place else None


@cache
def districts() -> tuple[str, ...]:
    """The groups, in the order of their first ward's code."""
    return tuple(dict.fromkeys(place.district for place in ward_places()))
