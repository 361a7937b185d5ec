"""Each child's next due dose per antigen, from their Immunizations and the schedule.

Rules (docs/immunisation.md):
- only `completed` Immunizations count; `entered-in-error`, `not-done` and subpotent
  doses are left out, and so is a dose without a full date;
- a dose counts for every antigen of its product (or of its targetDisease);
- a dose given before the minimum age, or sooner than the minimum interval after the
  last dose that counted, does not count, and the result says so (`not_counted`);
- a dose whose catch-up age has passed either no longer applies (the series moves on,
  `skipped`) or ends the series (too late for catch-up), as the schedule says;
- dates are days in Asia/Ho_Chi_Minh: a dose at 23:30 UTC is given the next local day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hoso.core.clock import VN_TZ
from hoso.programmes.immunisation.schedule import Dose, Schedule, Series, schedule_in_force
from hoso.programmes.immunisation.vaccines import VaccineTable, packaged_vaccine_table

__all__ = ["COMPLETE", "DUE", "OVERDUE", "STATUSES", "TOO_LATE", "UPCOMING", "DueDose",
           "NotCounted", "due_doses", "local_day"]  # fmt: skip

DUE, OVERDUE, UPCOMING, COMPLETE, TOO_LATE = "due", "overdue", "upcoming", "complete", "too_late"
STATUSES = (DUE, OVERDUE, UPCOMING, COMPLETE, TOO_LATE)
BEFORE_MIN_AGE, BEFORE_MIN_INTERVAL = "before_minimum_age", "before_minimum_interval"


@dataclass(frozen=True, slots=True)
class NotCounted:
    """A dose given that does not count: it was evaluated as dose `dose` and came
    before `earliest`, the day it could first have counted."""

    reference: str | None
    given_on: date
    dose: int
    reason: str
    earliest: date


@dataclass(frozen=True, slots=True)
class DueDose:
    """One antigen's state on a day. `dose` is the next dose's number (None when the
    series is complete); the dates are its window: `earliest` (minimum age and
    interval), `due` (recommended), `latest` (end of the recommended window) and
    `catch_up_until` (None when there is no limit)."""

    antigen: str
    name: dict[str, str]
    status: str
    dose: int | None
    counted: int
    series_length: int
    earliest: date | None = None
    due: date | None = None
    latest: date | None = None
    catch_up_until: date | None = None
    given_as: dict[str, str] | None = None
    label: dict[str, str] | None = None
    not_counted: tuple[NotCounted, ...] = field(default=())
    skipped: tuple[int, ...] = field(default=())
    schedule_version: str = ""


@dataclass(frozen=True, slots=True)
class _Given:
    on: date
    reference: str | None


def local_day(value: Any) -> date | None:
    """The Asia/Ho_Chi_Minh day of a FHIR date or dateTime; None for a partial date
    (a year or month alone cannot be checked against a minimum age)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(VN_TZ).date() if moment.tzinfo else moment.date()


def _given_by_antigen(immunizations: list[dict[str, Any]],
                      table: VaccineTable) -> dict[str, list[_Given]]:  # fmt: skip
    found: dict[str, list[_Given]] = {}
    for immunization in immunizations:
        if immunization.get("status") != "completed" or immunization.get("isSubpotent") is True:
            continue
        day = local_day(immunization.get("occurrenceDateTime"))
        if day is None:
            continue
        ref = f"Immunization/{immunization['id']}" if immunization.get("id") else None
        for antigen in table.antigens_of(immunization):
            found.setdefault(antigen, []).append(_Given(day, ref))
    for doses in found.values():
        doses.sort(key=lambda g: g.on)
    return found


def _earliest(dose: Dose, birth: date, last: date | None) -> date:
    earliest = dose.min_age.after(birth)
    if last is not None and dose.min_interval is not None:
        earliest = max(earliest, dose.min_interval.after(last))
    return earliest


def _limit(dose: Dose, birth: date) -> date | None:
    return dose.catch_up_until.after(birth) if dose.catch_up_until else None


def _still_applies(series: Series, birth: date, index: int, last: date | None, when: date,
                   skipped: list[int]) -> int:  # fmt: skip
    """The index of the first dose from `index` that still applies on `when`: a "skip"
    dose past its catch-up age (or that could only come after it) no longer does."""
    while index < len(series.doses):
        dose = series.doses[index]
        limit = _limit(dose, birth)
        if (dose.after_catch_up != "skip" or limit is None
                or (when <= limit and _earliest(dose, birth, last) <= limit)):  # fmt: skip
            return index
        skipped.append(dose.number)
        index += 1
    return index


def _evaluate(series: Series, birth: date, given: list[_Given]
              ) -> tuple[int, date | None, list[NotCounted], list[int]]:  # fmt: skip
    """Walk the doses given in date order against the series: (index of the next dose,
    last dose that counted, doses that did not count, doses skipped)."""
    index, last = 0, None
    not_counted: list[NotCounted] = []
    skipped: list[int] = []
    for dose_given in given:
        if last is not None and dose_given.on == last:
            continue  # the same dose recorded twice (or two products on one day)
        index = _still_applies(series, birth, index, last, dose_given.on, skipped)
        if index >= len(series.doses):
            break  # doses beyond the series (a private booster): nothing left to count
        dose = series.doses[index]
        earliest = _earliest(dose, birth, last)
        if dose_given.on < earliest:
            too_young = dose_given.on < dose.min_age.after(birth)
            not_counted.append(NotCounted(dose_given.reference, dose_given.on, dose.number,
                                          BEFORE_MIN_AGE if too_young else BEFORE_MIN_INTERVAL,
                                          earliest))  # fmt: skip
            continue
        last, index = dose_given.on, index + 1
    return index, last, not_counted, skipped


def _missed_at_end(series: Series, skipped: list[int]) -> Dose | None:
    """The first of the doses that end the series and all lapsed past their catch-up
    age with nothing given after them (the 18-month pertussis booster of a child now
    past 7); None when the series ended on a dose that counted."""
    first = None
    for dose in reversed(series.doses):
        if dose.number not in skipped:
            break
        first = dose
    return first


def _state(series: Series, birth: date, given: list[_Given], on: date,
           version: str) -> DueDose:  # fmt: skip
    index, last, not_counted, skipped = _evaluate(series, birth, given)
    index = _still_applies(series, birth, index, last, on, skipped)
    # index never passes the series' end; the doses skipped on the way did not count
    base = {"antigen": series.antigen, "name": series.name, "counted": index - len(skipped),
            "series_length": len(series.doses), "not_counted": tuple(not_counted),
            "skipped": tuple(skipped), "schedule_version": version}  # fmt: skip
    if index >= len(series.doses):
        missed = _missed_at_end(series, skipped)
        if missed is None:
            return DueDose(status=COMPLETE, dose=None, **base)
        # the last doses lapsed rather than were given: not "complete"
        return DueDose(status=TOO_LATE, dose=missed.number, catch_up_until=_limit(missed, birth),
                       given_as=missed.given_as, label=missed.label, **base)  # fmt: skip
    dose = series.doses[index]
    earliest = _earliest(dose, birth, last)
    due = max(dose.recommended_age.after(birth), earliest)
    if last is not None and dose.recommended_interval is not None:
        due = max(due, dose.recommended_interval.after(last))
    latest, limit = max(dose.latest_age.after(birth), due), _limit(dose, birth)
    if limit is not None and (on > limit or earliest > limit):
        status = TOO_LATE
    elif on < earliest:
        status = UPCOMING
    else:
        status = DUE if on <= latest else OVERDUE
    return DueDose(
        status=status,
        dose=dose.number,
        earliest=earliest,
        due=due,
        latest=latest,
        catch_up_until=limit,
        given_as=dose.given_as,
        label=dose.label,
        **base,
    )


def due_doses(birth_date: date, immunizations: list[dict[str, Any]], on: date,
              schedule: Schedule | None = None,
              vaccines: VaccineTable | None = None) -> list[DueDose]:  # fmt: skip
    """Per antigen of the schedule (by default the version in force on `on`), in the
    schedule's order: the next dose, its window and its status on `on`."""
    schedule = schedule or schedule_in_force(on)
    given = _given_by_antigen(immunizations, vaccines or packaged_vaccine_table())
    return [_state(series, birth_date, given.get(series.antigen, []), on, schedule.version)
            for series in schedule.series]  # fmt: skip
