"""Counts grouped by the database, made into dense series and maps.

Which cases count: every case not discarded, by default suspected + probable +
confirmed (a surveillance system alarms on what is reported, before the laboratory
answers); a filter narrows it to confirmed only, or any subset. The basis is the onset
date (the epidemic curve) or the report date (what the system knew that day: the
detection job uses it, so last week's count does not grow as late reports come in).

Small counts: a ward cell of 1–4 cases is shown as "<5" to officers who do not answer
for that ward (docs/surveillance-dashboard.md, "Small counts").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from hoso.publichealth.series.districts import CITY, district_of
from hoso.publichealth.series.weeks import days_between, weeks_between

__all__ = [
    "BASES", "CLASSIFICATIONS", "COUNTED", "INTERVALS", "LEVELS", "SUPPRESS_BELOW", "AreaSeries",
    "CountCell", "area_of", "dense_series", "per_100k", "shown_count",
]  # fmt: skip

CLASSIFICATIONS = ("suspected", "probable", "confirmed")  # "discarded" never counts
COUNTED = CLASSIFICATIONS
BASES = ("onset", "report")
INTERVALS = ("week", "day")
LEVELS = ("ward", "district", "city")
SUPPRESS_BELOW = 5


@dataclass(frozen=True, slots=True)
class CountCell:
    """One group the database counted: a disease's cases in a ward in a period."""

    disease: str
    ward: str | None  # None: the case has no known ward of residence (city total only)
    period: str  # the day, or the ISO week's Monday, "YYYY-MM-DD"
    count: int


@dataclass(frozen=True, slots=True)
class AreaSeries:
    area: str  # a ward code, a district's name, or "city"
    periods: tuple[date, ...]
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


def area_of(ward: str | None, level: str) -> str | None:
    """The area a case of `ward` counts in at `level`; None: not counted there."""
    if level == "city":
        return CITY
    if level == "district":
        return district_of(ward)
    return ward


def periods(first: date, last: date, interval: str) -> tuple[date, ...]:
    spans = weeks_between if interval == "week" else days_between
    return tuple(spans(first, last))


def dense_series(cells: Iterable[CountCell], level: str, span: Sequence[date],
                 areas: Iterable[str] = ()) -> dict[str, AreaSeries]:  # fmt: skip
    """Every area's counts over `span` (zeros filled in), `areas` listed even if empty."""
    index = {day.isoformat(): i for i, day in enumerate(span)}
    folded: dict[str, list[int]] = defaultdict(lambda: [0] * len(span))
    for area in areas:
        folded[area]
    for cell in cells:
        area, at = area_of(cell.ward, level), index.get(cell.period)
        if area is not None and at is not None:
            folded[area][at] += cell.count
    return {area: AreaSeries(area, tuple(span), tuple(counts))
            for area, counts in folded.items()}  # fmt: skip


def per_100k(count: int, population: int | None) -> float | None:
    if not population or population <= 0:
        return None
    return count * 100_000 / population


def shown_count(count: int, exact: bool) -> int | None:
    """What a viewer sees of a ward's count: None ("<5") for 1–4 unless `exact`."""
    return count if exact or count == 0 or count >= SUPPRESS_BELOW else None


def population_of(areas: Mapping[str, int], level: str) -> dict[str, int]:
    """Ward populations summed to `level`'s areas."""
    summed: dict[str, int] = defaultdict(int)
    for ward, people in areas.items():
        area = area_of(ward, level)
        if area is not None:
            summed[area] += people
    return dict(summed)
