"""Immunisation (Tiêm chủng mở rộng, TCMR) as a programme of the framework (issue 19
point 2; docs/programmes-immunisation.md).

Enrolment is the rule `data/rules/immunisation.json` (children under 16: the schedule's
last catch-up age). `assess` asks `due_doses` for each antigen's next dose and turns it
into a `DueItem` (activity "<antigen>-<dose>"), with the framework's statuses:

- the existing `overdue` (past the recommended window, still worth giving) → overdue;
- `too_late` (past the catch-up age) → missed;
- `due` or `upcoming` → "due" when the recommended day falls in the current month (the
  month's sessions are planned from it), "upcoming" when it is later;
- `complete` series are not listed.

Measures (what the indicators and the coverage tables count): `birth_cohort`,
`up_to_date`, `fully_immunised_12m` (measured for children aged 1, the indicator's
denominator; None for the others: it costs a second walk of the schedule), `age_<Y>y`
(the child is Y, for each age at which a dose's coverage is measured),
`doses_<antigen>` (doses that count), `cov_<antigen>_<n>` (only for a child in the
completed year at which that dose's coverage is measured), `doses_incomplete` (doses
whose record lacks a mandatory field of the national dataset, QĐ 3891/QĐ-BYT).
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from hoso.programmes.framework import (
    DUE,
    MISSED,
    OVERDUE,
    UPCOMING,
    Assessment,
    DueItem,
    IndicatorDef,
    Record,
)
from hoso.programmes.immunisation import due as states
from hoso.programmes.immunisation.dataset import DoseContext, dose_gaps, patient_gaps, related
from hoso.programmes.immunisation.schedule import Age, Schedule, packaged_schedules

__all__ = ["PROGRAMME", "ImmunisationProgramme", "coverage_year", "indicator_table",
           "schedule_for"]  # fmt: skip


@cache
def indicator_table() -> dict[str, Any]:
    entry = resources.files("hoso.programmes").joinpath("data/immunisation-indicators.json")
    return json.loads(entry.read_text(encoding="utf-8"))


def schedule_for(day: date) -> Schedule:
    """The schedule version in force on `day`; the oldest shipped one for a day before
    it (a 15-year-old's first birthday may predate every version we hold)."""
    versions = packaged_schedules()
    in_force = [s for s in versions if s.effective_from <= day]
    return in_force[-1] if in_force else versions[0]


def coverage_year(latest_age: Age) -> int:
    """The completed year in which a dose's coverage is measured: the first whole year
    at or after the end of its recommended window (docs; a HOUSE rule)."""
    months = latest_age.count * {"d": 1 / 30.4375, "w": 7 / 30.4375, "m": 1, "y": 12}[
        latest_age.unit]  # fmt: skip
    return max(1, -(-round(months) // 12))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _status(state: states.DueDose, today: date) -> str:
    if state.status == states.OVERDUE:
        return OVERDUE
    if state.status == states.TOO_LATE:
        return MISSED
    due = state.due or today
    return DUE if due <= _month_end(today) else UPCOMING


def _label(state: states.DueDose) -> dict[str, str]:
    vi, en = f"{state.name['vi']} mũi {state.dose}", f"{state.name['en']} dose {state.dose}"
    if state.label:
        vi, en = f"{vi} ({state.label['vi']})", f"{en} ({state.label['en']})"
    return {"vi": vi, "en": en}


def _item(state: states.DueDose, today: date) -> DueItem:
    detail = {
        "antigen": state.antigen,
        "dose": state.dose,
        "counted": state.counted,
        "series_length": state.series_length,
        "earliest": state.earliest.isoformat() if state.earliest else None,
        "window_end": state.latest.isoformat() if state.latest else None,
        "given_as": state.given_as,
        "schedule_version": state.schedule_version,
        "not_counted": [{"reference": n.reference, "given_on": n.given_on.isoformat(),
                         "reason": n.reason} for n in state.not_counted],
    }  # fmt: skip
    # No form: a dose is recorded at the session screen (lot, expiry, the observation).
    return DueItem(activity=f"{state.antigen}-{state.dose}", label=_label(state),
                   due=state.due or state.catch_up_until or today,
                   status=_status(state, today), latest=state.catch_up_until,
                   detail=detail)  # fmt: skip


def _fully_immunised(born: date, immunizations: Sequence[Mapping[str, Any]],
                     today: date) -> bool | None:  # fmt: skip
    """The doses of the HOUSE set, counted as given by the first birthday."""
    first_birthday = Age(1, "y").after(born)
    if today < first_birthday:
        return None
    before = [dict(i) for i in immunizations
              if (states.local_day(i.get("occurrenceDateTime")) or date.max)
              <= first_birthday]  # fmt: skip
    counted = {s.antigen: s.counted for s in states.due_doses(
        born, before, first_birthday, schedule_for(first_birthday))}  # fmt: skip
    wanted = indicator_table()["fully_immunised_12m"]["doses"]
    return all(counted.get(antigen, 0) >= n for antigen, n in wanted.items())


def _incomplete(record: Record, immunizations: Sequence[Mapping[str, Any]]) -> int:
    """Doses whose record lacks a mandatory field of the national dataset: all of
    them when the child's own fields are incomplete, else those whose dose fields are."""
    done = [i for i in immunizations if i.get("status") == "completed"]
    if not done or patient_gaps(record.patient, record.ward):
        return len(done)
    count = 0
    for imm in done:
        observations, events = related(imm, record.resources)
        count += bool(dose_gaps(DoseContext(imm, record.patient, record.ward, observations,
                                            events)))  # fmt: skip
    return count


def _summary(items: Sequence[DueItem]) -> dict[str, str]:
    counts = {s: sum(1 for i in items if i.status == s) for s in (OVERDUE, DUE, MISSED)}
    return {
        "vi": f"Quá hạn {counts[OVERDUE]}, đến hạn {counts[DUE]}, bỏ lỡ {counts[MISSED]}",
        "en": f"Overdue {counts[OVERDUE]}, due {counts[DUE]}, missed {counts[MISSED]}",
    }


@dataclass(frozen=True)
class ImmunisationProgramme:
    code: str = "immunisation"
    name: Mapping[str, str] = field(default_factory=lambda: {
        "vi": "Tiêm chủng mở rộng", "en": "Expanded Programme on Immunization"})  # fmt: skip
    rule: str = "immunisation"
    reads: tuple[str, ...] = ("Immunization", "Observation", "AdverseEvent")
    forms: tuple[Mapping[str, Any], ...] = ()
    indicators: tuple[IndicatorDef, ...] = ()

    def assess(self, record: Record, today: date) -> Assessment:
        born = record.born
        if born is None:
            return Assessment(summary={"vi": "Thiếu ngày sinh", "en": "No birth date"})
        immunizations = [dict(i) for i in record.of("Immunization")]
        found = states.due_doses(born, immunizations, today, schedule_for(today))
        items = [_item(s, today) for s in found if s.status != states.COMPLETE]
        age = record.age_on(today)
        measures: dict[str, bool | int | float | str | None] = {
            "birth_cohort": born.year,
            "up_to_date": not any(i.status in (OVERDUE, MISSED) for i in items),
            "fully_immunised_12m": _fully_immunised(born, immunizations, today)
            if age == 1 else None,
            "doses_incomplete": _incomplete(record, immunizations),
        }  # fmt: skip
        schedule = schedule_for(today)
        for year in _coverage_years(schedule):
            measures[f"age_{year}y"] = age == year
        for state, series in zip(found, schedule.series, strict=True):
            measures[f"doses_{state.antigen}"] = state.counted
            for dose in series.doses:
                if age == coverage_year(dose.latest_age):
                    measures[f"cov_{state.antigen}_{dose.number}"] = state.counted >= dose.number
        return Assessment(due=items, measures=measures, summary=_summary(items))


def _indicators(schedule: Schedule) -> tuple[IndicatorDef, ...]:
    source = "HOUSE: data/immunisation-indicators.json (no source found for the set)"
    found = [
        IndicatorDef("fully-immunised-12m", {"vi": "Tiêm chủng đầy đủ trước 12 tháng tuổi",
                     "en": "Fully immunised by 12 months"}, "fully_immunised_12m",
                     denominator="age_1y", source=source),
        IndicatorDef("up-to-date", {"vi": "Tiêm đúng lịch", "en": "Up to date"}, "up_to_date",
                     source="the schedule (tcmr-*.json)"),
    ]  # fmt: skip
    for series in schedule.series:
        for dose in series.doses:
            year = coverage_year(dose.latest_age)
            found.append(IndicatorDef(
                f"coverage-{series.antigen}-{dose.number}",
                {"vi": f"Tỷ lệ {series.name['vi']} mũi {dose.number} (trẻ {year} tuổi)",
                 "en": f"{series.name['en']} dose {dose.number} coverage (age {year})"},
                f"cov_{series.antigen}_{dose.number}", denominator=f"age_{year}y",
                source="HOUSE: coverage age, data/immunisation-indicators.json"))  # fmt: skip
    return tuple(found)


def _coverage_years(schedule: Schedule) -> tuple[int, ...]:
    return _years_of(schedule.version)


@cache
def _years_of(version: str) -> tuple[int, ...]:
    """The ages at which the doses of a schedule version are measured (by version: a
    Schedule holds dicts and is not hashable)."""
    schedule = next(s for s in packaged_schedules() if s.version == version)
    return tuple(sorted({coverage_year(d.latest_age) for s in schedule.series for d in s.doses}))


PROGRAMME = ImmunisationProgramme(indicators=_indicators(packaged_schedules()[-1]))
