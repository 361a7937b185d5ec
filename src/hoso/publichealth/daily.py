"""The daily surveillance job (`hoso surveillance daily`): every enabled disease × ward
(and the city) × method over weekly series → alarms stored as signals; and foci
suggested where a disease reached its N cases in T days in a ward.

- Detection judges the last complete ISO week before the day it runs, by report date
  (what was known; a week's count by onset keeps growing as late reports arrive), over
  `HISTORY_WEEKS` of history (Farrington's b = 5 years, w = 3, and some).
- Re-running on the same day, or the next days of the same week, adds nothing: a signal
  is unique per disease, ward, week and method (ph_signal), a focus is not suggested
  twice for the same cases.
- One query groups every disease's cases by ward and week; the series are filled in
  here.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from hoso.publichealth.disease_rules import DiseaseCatalogue
from hoso.publichealth.foci import HOUR_US, suggest_foci
from hoso.publichealth.series.counts import COUNTED, CountCell, dense_series, periods
from hoso.publichealth.series.districts import CITY
from hoso.publichealth.series.rows import SurveillanceRows
from hoso.publichealth.series.weeks import monday
from hoso.publichealth.signals import DETECTORS, DetectorFactory, judge_areas

__all__ = ["HISTORY_WEEKS", "DailyRun", "run_daily"]

HISTORY_WEEKS = 5 * 52 + 10
JOB_AGENT = "job:surveillance-daily"


@dataclass(frozen=True, slots=True)
class DailyRun:
    day: str
    week: str  # the ISO week judged (its Monday)
    diseases: int
    series: int  # disease × area × method series judged
    alarms: int
    signals_added: int
    foci_suggested: int
    seconds: float


def run_daily(rows: SurveillanceRows, catalogue: DiseaseCatalogue, day: date, now_us: int,
              *, registry: Mapping[str, DetectorFactory] = DETECTORS,
              history_weeks: int = HISTORY_WEEKS) -> DailyRun:  # fmt: skip
    started = time.perf_counter()
    rules = list(catalogue.enabled())
    week = monday(day) - timedelta(days=7)
    first = week - timedelta(days=7 * (history_weeks - 1))
    cells: dict[str, list[CountCell]] = defaultdict(list)
    for disease, ward, period, n in rows.counts(
            basis="report", interval="week", first=first.isoformat(),
            last=(week + timedelta(days=6)).isoformat(), classifications=COUNTED):
        cells[disease].append(CountCell(disease, ward, period, n))
    span = periods(first, week, "week")
    populations = _weekly_populations(rows, span)
    alarms, judged = [], 0
    for rule in rules:
        mine = cells.get(rule.code, [])
        series = {**dense_series(mine, "ward", span), **dense_series(mine, "city", span)}
        judged += len(series) * len(rule.methods)
        alarms += judge_areas(rule, series, week, registry, populations)
    added = rows.add_signals(
        ({"disease": a.disease, "ward": a.ward, "week": a.week, "method": a.method,
          "observed": a.observed, "expected": a.expected, "upperbound": a.upperbound}
         for a in alarms), now_us)  # fmt: skip
    suggested = _suggest(rows, catalogue, day, now_us)
    return DailyRun(day.isoformat(), week.isoformat(), len(rules), judged, len(alarms), added,
                    suggested, round(time.perf_counter() - started, 3))  # fmt: skip


def _weekly_populations(rows: SurveillanceRows, span: Sequence[date]) -> dict[str, list[int]]:
    """Each ward's (and the city's) residents for every week of `span`, from the figure
    of the week's year (or the latest before it); a ward missing a year is left out."""
    by_year = {year: rows.population(year) for year in sorted({d.year for d in span})}
    wards = set.intersection(*(set(people) for people in by_year.values())) if by_year else set()
    found = {ward: [by_year[d.year][ward] for d in span] for ward in wards}
    if found:
        found[CITY] = [sum(by_year[d.year].values()) for d in span]
    return found


def _suggest(rows: SurveillanceRows, catalogue: DiseaseCatalogue, day: date, now_us: int) -> int:
    rules = list(catalogue.enabled())
    if not rules:
        return 0
    longest = max(rule.focus_days for rule in rules)
    found = rows.counts(basis="onset", interval="day",
                        first=(day - timedelta(days=longest - 1)).isoformat(),
                        last=day.isoformat(), classifications=COUNTED)  # fmt: skip
    hours = {rule.code: rule.response_hours for rule in rules}
    suggestions = suggest_foci(rules, (CountCell(*row) for row in found), day,
                               rows.standing_foci())  # fmt: skip
    for s in suggestions:
        rows.add_focus(disease=s.disease, ward=s.ward, status="suggested",
                       first_case_date=s.first_case_date, last_case_date=s.last_case_date,
                       case_count=s.case_count, opened_at=None,
                       response_deadline_at=now_us + hours[s.disease] * HOUR_US,
                       created_by=JOB_AGENT, created_at=now_us)  # fmt: skip
    return len(suggestions)
