"""A programme's monthly report as pure functions over rows: one `ReportRow` per
enrolled resident (ward, age band, sex, the measures the programme's assessment
produced), and the population denominators.

An indicator (`hoso.programmes.framework.IndicatorDef`) counts its numerator over:
- "enrolled": every enrolled resident;
- a measure's name: the residents whose measure is true (the numerator counted among
  them only);
- "population": the residents of the ward(s) in the indicator's age band, from the
  population denominators (`Population`).
A numerator measure that is a number is summed (e.g. visits); true counts 1; anything
else 0. Each indicator is cut by age band and by sex (strata); a population
denominator is known per age band only when the denominators are given by age band
(`WardPopulation` with bands), otherwise the strata have no denominator.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from hoso.core.errors import InvalidRequest
from hoso.programmes.framework import AGE_BANDS, IndicatorDef

__all__ = ["IndicatorResult", "MonthlyReport", "Population", "ReportRow", "Stratum",
           "WardPopulation", "month_of", "monthly_report"]  # fmt: skip

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_of(text: str) -> tuple[date, date]:
    """'2026-11' → (1 Nov 2026, 30 Nov 2026); InvalidRequest naming `month`."""
    m = _MONTH.fullmatch(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise InvalidRequest("month: tháng dạng YYYY-MM / a month as YYYY-MM",
                             expression=["month"])  # fmt: skip
    year, month = int(m.group(1)), int(m.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True, slots=True)
class ReportRow:
    ward: str | None
    age_band: str
    sex: str
    measures: Mapping[str, Any]


class Population(Protocol):
    """Residents of `wards` (None: the city) aged within `band` (years, inclusive)."""

    def of(self, wards: frozenset[str] | None, band: tuple[int, int]) -> int | None: ...


@dataclass(frozen=True, slots=True)
class WardPopulation:
    """Denominators per ward (issue 18's `ph_population`: residents per ward and year),
    optionally per ward and age band ((ward, "60-69") → n). An all-ages band is the
    ward's total; another band is known only from the banded figures, summed over the
    report's bands inside it."""

    totals: Mapping[str, int]
    banded: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def of(self, wards: frozenset[str] | None, band: tuple[int, int]) -> int | None:
        chosen = self.totals.keys() if wards is None else wards
        low, high = band
        if low <= 0 and high >= 120:
            found = [self.totals.get(w) for w in chosen]
            return None if not found or None in found else sum(found)  # type: ignore[arg-type]
        # The report's bands inside [low, high]; "80+" is inside a band open above 120.
        inside = [f"{a}+" if b >= 200 else f"{a}-{b}" for a, b in AGE_BANDS
                  if a >= low and (b <= high or (b >= 200 and high >= 120))]  # fmt: skip
        cells = [self.banded.get((w, name)) for w in chosen for name in inside]
        return None if not cells or None in cells else sum(cells)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Stratum:
    by: str  # "age-band" | "sex"
    value: str
    numerator: float
    denominator: float | None


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    indicator: IndicatorDef
    numerator: float
    denominator: float | None
    strata: tuple[Stratum, ...]

    @property
    def score(self) -> float | None:
        if not self.denominator:
            return None
        return self.numerator / self.denominator


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    programme: str
    name: Mapping[str, str]
    start: date
    end: date
    ward: str | None  # None: the city
    enrolled: int
    by_band: Mapping[str, int]
    by_sex: Mapping[str, int]
    indicators: tuple[IndicatorResult, ...]


def _value(measures: Mapping[str, Any], name: str) -> float:
    value = measures.get(name)
    if value is True:
        return 1.0
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return 0.0


def _in_denominator(row: ReportRow, indicator: IndicatorDef) -> bool:
    if indicator.denominator in ("enrolled", "population"):
        return True
    return row.measures.get(indicator.denominator) is True


def _band_range(band: str) -> tuple[int, int] | None:
    head, _, tail = band.partition("-")
    if band.endswith("+") and band[:-1].isdigit():
        return int(band[:-1]), 200
    return (int(head), int(tail)) if head.isdigit() and tail.isdigit() else None


def indicator_result(indicator: IndicatorDef, rows: Sequence[ReportRow],
                     population: Population, wards: frozenset[str] | None
                     ) -> IndicatorResult:  # fmt: skip
    counted = [r for r in rows if _in_denominator(r, indicator)]
    by_pop = indicator.denominator == "population"
    band = indicator.population or (0, 200)
    strata: list[Stratum] = []
    for by, key in (("age-band", lambda r: r.age_band), ("sex", lambda r: r.sex)):
        groups: dict[str, list[ReportRow]] = {}
        for row in counted:
            groups.setdefault(key(row), []).append(row)
        for value in sorted(groups):
            members = groups[value]
            denominator: float | None = float(len(members))
            if by_pop:
                inner = _band_range(value) if by == "age-band" else None
                denominator = None if inner is None else population.of(wards, inner)
            strata.append(Stratum(by, value, sum(_value(r.measures, indicator.numerator)
                                                 for r in members), denominator))  # fmt: skip
    numerator = sum(_value(r.measures, indicator.numerator) for r in counted)
    total = population.of(wards, band) if by_pop else float(len(counted))
    return IndicatorResult(indicator, numerator, None if total is None else float(total),
                           tuple(strata))  # fmt: skip


def monthly_report(programme: Any, month: str, rows: Iterable[ReportRow],
                   population: Population, ward: str | None = None) -> MonthlyReport:  # fmt: skip
    """The report of `programme` (code, name, indicators) for `month` (YYYY-MM), over
    the rows of `ward` (None: every row, the city)."""
    start, end = month_of(month)
    chosen = [r for r in rows if ward is None or r.ward == ward]
    wards = None if ward is None else frozenset({ward})
    by_band: dict[str, int] = {}
    by_sex: dict[str, int] = {}
    for row in chosen:
        by_band[row.age_band] = by_band.get(row.age_band, 0) + 1
        by_sex[row.sex] = by_sex.get(row.sex, 0) + 1
    results = tuple(indicator_result(i, chosen, population, wards) for i in programme.indicators)
    return MonthlyReport(programme.code, dict(programme.name), start, end, ward, len(chosen),
                         by_band, by_sex, results)  # fmt: skip
