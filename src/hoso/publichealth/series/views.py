"""What the dashboard shows of a disease: the epidemic curve (by onset and by report
date), the ward map with rates per 100,000, and the district-level table. Aggregates
only: no person is named, and a ward's 1–4 cases are "<5" to a viewer who does not answer
for that ward (`Viewer.exact_wards`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hoso.publichealth.series.counts import (
    CountCell,
    dense_series,
    per_100k,
    periods,
    population_of,
    shown_count,
)
from hoso.publichealth.series.districts import CITY, district_of, districts, place_of, ward_places
from hoso.publichealth.series.rows import SurveillanceRows
from hoso.publichealth.series.weeks import iso_label

__all__ = ["RATE_BREAKS", "Viewer", "area_series", "district_table", "epidemic_curve",
           "rate_class", "ward_map"]  # fmt: skip

# Classes of the map's legend, cases per 100,000 over the period shown: fixed, so that a
# colour means the same from one week or disease to the next.
RATE_BREAKS = (0.0, 10.0, 25.0, 50.0, 100.0)


@dataclass(frozen=True, slots=True)
class Viewer:
    agent: str
    exact_wards: frozenset[str] | None  # None: every ward's counts exact

    def exact(self, ward: str) -> bool:
        return self.exact_wards is None or ward in self.exact_wards


def rate_class(rate: float | None, cases: int | None) -> int | None:
    """0 (no case) … 5 (≥ 100 per 100,000); None: hidden or no denominator."""
    if cases is None or rate is None:
        return None
    if cases == 0:
        return 0
    return sum(1 for bound in RATE_BREAKS if rate >= bound)


def _cells(rows: SurveillanceRows, disease: str, basis: str, interval: str, first: date,
           last: date, kinds: Sequence[str]) -> list[CountCell]:  # fmt: skip
    found = rows.counts(basis=basis, interval=interval, first=first.isoformat(),
                        last=last.isoformat(), classifications=kinds, disease=disease)
    return [CountCell(*row) for row in found]


def epidemic_curve(rows: SurveillanceRows, viewer: Viewer, *, disease: str, interval: str,
                   first: date, last: date, kinds: Sequence[str], level: str = "city",
                   area: str = CITY) -> dict[str, object]:  # fmt: skip
    """Counts per day or ISO week by onset and by report date, for the city, one
    district-level group or one ward."""
    span = periods(first, last, interval)
    shown = {}
    for basis in ("onset", "report"):
        series = dense_series(_cells(rows, disease, basis, interval, span[0], last, kinds),
                              level, span, areas=(area,))[area]  # fmt: skip
        exact = level != "ward" or viewer.exact(area)
        shown[basis] = [shown_count(n, exact) for n in series.counts]
    labels = [iso_label(p) if interval == "week" else p.isoformat() for p in span]
    return {"disease": disease, "interval": interval, "level": level, "area": area,
            "periods": [p.isoformat() for p in span], "labels": labels, **shown}  # fmt: skip


def ward_map(rows: SurveillanceRows, viewer: Viewer, *, disease: str, first: date,
             last: date, kinds: Sequence[str], basis: str = "onset"
             ) -> list[dict[str, object]]:  # fmt: skip
    """Every ward (all 168), grouped by former district: cases in [first, last],
    population, rate per 100,000."""
    found = rows.counts(basis=basis, interval="day", first=first.isoformat(),
                        last=last.isoformat(), classifications=kinds, disease=disease)
    cases: dict[str, int] = {}
    for _, ward, _, n in found:
        if ward is not None:
            cases[ward] = cases.get(ward, 0) + n
    people = rows.population(last.year)
    tiles = []
    order = {group: i for i, group in enumerate(districts())}
    for place in sorted(ward_places(), key=lambda p: order[p.district]):  # by former district
        n = shown_count(cases.get(place.code, 0), viewer.exact(place.code))
        rate = per_100k(n, people.get(place.code)) if n is not None else None
        tiles.append({"ward": place.code, "name": place.name, "district": place.district,
                      "cases": n, "suppressed": n is None,
                      "population": people.get(place.code),
                      "rate": None if rate is None else round(rate, 2),
                      "class": rate_class(rate, n)})  # fmt: skip
    return tiles


def area_series(rows: SurveillanceRows, viewer: Viewer, *, disease: str, interval: str,
                first: date, last: date, kinds: Sequence[str], basis: str, level: str
                ) -> dict[str, object]:  # fmt: skip
    """Every area's counts per day or ISO week at `level` (all 168 wards, the 38
    district-level groups, or the city), zeros filled in, with its total and rate."""
    span = periods(first, last, interval)
    names: dict[str, str]
    if level == "ward":
        names = {p.code: p.name for p in ward_places()}
    elif level == "district":
        names = {group: group for group in districts()}
    else:
        names = {CITY: CITY}
    series = dense_series(_cells(rows, disease, basis, interval, span[0], last, kinds),
                          level, span, areas=names)  # fmt: skip
    people = population_of(rows.population(last.year), level)
    areas = []
    for area, name in names.items():
        exact = level != "ward" or viewer.exact(area)
        counts = [shown_count(n, exact) for n in series[area].counts]
        total = shown_count(series[area].total, exact)
        rate = per_100k(total, people.get(area)) if total is not None else None
        areas.append({"area": area, "name": name, "counts": counts, "total": total,
                      "population": people.get(area), "rate": _rounded(rate)})  # fmt: skip
    return {"disease": disease, "interval": interval, "basis": basis, "level": level,
            "periods": [p.isoformat() for p in span],
            "labels": [iso_label(p) if interval == "week" else p.isoformat() for p in span],
            "areas": areas}  # fmt: skip


def district_table(rows: SurveillanceRows, *, disease: str, first: date, last: date,
                   kinds: Sequence[str], basis: str = "onset"
                   ) -> list[dict[str, object]]:  # fmt: skip
    """Each district-level group's cases, population and rate, and the city's last.
    Exact: a group is many wards (see the docs on what that still reveals)."""
    found = rows.counts(basis=basis, interval="day", first=first.isoformat(),
                        last=last.isoformat(), classifications=kinds, disease=disease)
    totals: dict[str, int] = {}
    city = 0
    for _, ward, _, n in found:
        city += n
        group = district_of(ward)
        if group is not None:
            totals[group] = totals.get(group, 0) + n
    people = population_of(rows.population(last.year), "district")
    table = [{"area": group, "cases": totals.get(group, 0), "population": people.get(group),
              "rate": _rounded(per_100k(totals.get(group, 0), people.get(group)))}
             for group in districts()]  # fmt: skip
    table.sort(key=lambda row: -int(row["cases"]))  # type: ignore[call-overload]  # stable
    everyone = sum(people.values()) or None
    table.append({"area": CITY, "cases": city, "population": everyone,
                  "rate": _rounded(per_100k(city, everyone))})  # fmt: skip
    return table


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def known_area(level: str, area: str) -> bool:
    if level == "city":
        return area == CITY
    if level == "district":
        return area in districts()
    return place_of(area) is not None
