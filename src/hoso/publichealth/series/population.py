"""Residents per ward and year (ph_population): the denominators of rates per 100,000.

From a CSV `ward,year,population` (the statistics office's figures), checked in full
before anything is stored: a file with one bad line stores nothing. Or, for the demo,
synthetic: the city's total spread over the wards by the synthetic city's own weights
(`hoso.synth.places.ward_weight`, handed in by the caller: publichealth does not import
synth)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hoso.core.errors import InvalidRequest
from hoso.publichealth.series.districts import place_of, ward_places

__all__ = ["CITY_POPULATION", "PopulationRow", "parse_population_csv", "synthetic_population"]

CITY_POPULATION = 14_000_000  # HCMC after the 2025 merger, about 14 million (rounded)
MAX_ROWS = 168 * 50  # 50 years of every ward
MAX_PEOPLE = 2_000_000  # more than any ward has
HEADER = ["ward", "year", "population"]


@dataclass(frozen=True, slots=True)
class PopulationRow:
    ward: str
    year: int
    population: int


def _bad(line: int, vi: str, en: str) -> InvalidRequest:
    return InvalidRequest(f"Dòng {line}: {vi} / Line {line}: {en}", expression=[f"line {line}"])


def _row(line: int, cells: list[str]) -> PopulationRow:
    if len(cells) != 3:
        raise _bad(line, "cần 3 cột ward,year,population", "3 columns ward,year,population "
                   "are needed")  # fmt: skip
    ward, year, people = (cell.strip() for cell in cells)
    if place_of(ward) is None:
        raise _bad(line, f"mã phường/xã không thuộc 168 đơn vị của TP.HCM: {ward[:12]!r}",
                   f"not one of HCMC's 168 ward codes: {ward[:12]!r}")  # fmt: skip
    if not (year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100):
        raise _bad(line, f"năm không hợp lệ: {year[:12]!r}", f"invalid year: {year[:12]!r}")
    if not (people.isascii() and people.isdigit() and 0 < int(people) <= MAX_PEOPLE):
        raise _bad(line, f"dân số phải là số nguyên từ 1 đến {MAX_PEOPLE}: {people[:12]!r}",
                   f"population must be a whole number from 1 to {MAX_PEOPLE}: "
                   f"{people[:12]!r}")  # fmt: skip
    return PopulationRow(ward, int(year), int(people))


def parse_population_csv(text: str) -> list[PopulationRow]:
    """Every row of the file, or InvalidRequest naming the first bad line (bilingual)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != HEADER:
        raise _bad(1, "dòng đầu phải là ward,year,population",
                   "the first line must be ward,year,population")  # fmt: skip
    found: dict[tuple[str, int], PopulationRow] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(found) >= MAX_ROWS:
            raise _bad(line, f"quá {MAX_ROWS} dòng", f"more than {MAX_ROWS} lines")
        row = _row(line, cells)
        if (row.ward, row.year) in found:
            raise _bad(line, f"trùng phường {row.ward} năm {row.year}",
                       f"ward {row.ward} year {row.year} given twice")  # fmt: skip
        found[(row.ward, row.year)] = row
    if not found:
        raise _bad(2, "không có dòng số liệu nào", "no data line")
    return list(found.values())


def synthetic_population(years: Iterable[int], weight_of: Callable[[str], float],
                         total: int = CITY_POPULATION) -> list[PopulationRow]:  # fmt: skip
    """`total` residents spread over the 168 wards in proportion to `weight_of(code)`,
    the same for each year (growth is not modelled)."""
    codes = [place.code for place in ward_places()]
    weights = [max(weight_of(code), 0.0) for code in codes]
    scale = total / sum(weights)
    return [PopulationRow(code, year, max(1, round(weight * scale)))
            for year in years for code, weight in zip(codes, weights, strict=True)]  # fmt: skip
