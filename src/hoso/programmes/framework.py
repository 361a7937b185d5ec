"""The one shape every community programme has (issue 19; docs/programmes.md).

A programme is a register over the one record, never a database of its own: the
framework reads a resident's record (`Record`), asks the programme's versioned
enrolment rule (`hoso.programmes.rules`) whether the resident belongs, and, if so (or if
a station enrolled them by hand, with a reason), asks the programme to `assess` them on
a day: the activities due (`DueItem`), and the measures its indicators count
(`Assessment.measures`). The framework stores the result per resident, programme and
ward (`prog_enrolment`, `prog_due`), recomputes it from the change feed and nightly,
and aggregates the indicators into the monthly report.

Visits a programme records are FHIR resources written through the one intake: a
`QuestionnaireResponse` to one of the programme's forms and the Observations its items
name (`hoso.programmes.forms`), so they are part of the resident's record and health
book like anything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

__all__ = [
    "DUE",
    "DUE_STATUSES",
    "MISSED",
    "OVERDUE",
    "UPCOMING",
    "Assessment",
    "DueItem",
    "IndicatorDef",
    "Programme",
    "Record",
    "age_band",
    "age_on",
    "birth_date",
]  # fmt: skip

UPCOMING, DUE, OVERDUE, MISSED = "upcoming", "due", "overdue", "missed"
# upcoming: not yet due this month; due: due this month; overdue: past its recommended
# window but still worth doing; missed: past the last day it could be done.
DUE_STATUSES = (UPCOMING, DUE, OVERDUE, MISSED)
AGE_BANDS = ((0, 4), (5, 9), (10, 14), (15, 19), (20, 39), (40, 59), (60, 69), (70, 79),
             (80, 200))  # fmt: skip


def birth_date(patient: Mapping[str, Any]) -> date | None:
    """Patient.birthDate as a day; None when absent or partial (a year alone)."""
    value = patient.get("birthDate")
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def age_on(born: date | None, day: date) -> int | None:
    """Completed years on `day`."""
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int | None) -> str:
    """The band a report counts an age in ("60-69", "80+"); "?" when unknown."""
    if age is None:
        return "?"
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}+" if high >= 200 else f"{low}-{high}"
    return "?"


@dataclass(frozen=True, slots=True)
class Record:
    """One resident's record as programmes read it: their Patient and the current
    versions of the resources of the types the programmes read, by type. `ward` is the
    2025 ward code of their home address (None when it cannot be resolved)."""

    patient: Mapping[str, Any]
    resources: Mapping[str, Sequence[Mapping[str, Any]]]
    ward: str | None

    @property
    def id(self) -> str:
        return str(self.patient.get("id"))

    @property
    def born(self) -> date | None:
        return birth_date(self.patient)

    @property
    def sex(self) -> str:
        return str(self.patient.get("gender") or "unknown")

    def age_on(self, day: date) -> int | None:
        return age_on(self.born, day)

    def of(self, resource_type: str) -> Sequence[Mapping[str, Any]]:
        return self.resources.get(resource_type, ())


@dataclass(frozen=True, slots=True)
class DueItem:
    """One activity a programme expects for a resident: `activity` is its code within
    the programme (e.g. "mr-2", "icope-step1", "bp-visit"), `due` the day it is due,
    `latest` the last day it can still be done (None: no limit), `form` the
    Questionnaire (canonical url) that records it, if any."""

    activity: str
    label: Mapping[str, str]
    due: date
    status: str
    latest: date | None = None
    form: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Assessment:
    """What a programme makes of one enrolled resident on a day: the activities due,
    and the measures its indicators count (flags and numbers keyed by measure code,
    e.g. {"controlled": True, "visited_90d": False})."""

    due: Sequence[DueItem] = ()
    measures: Mapping[str, bool | int | float | str | None] = field(default_factory=dict)
    summary: Mapping[str, str] = field(default_factory=dict)  # vi/en one line for lists


@dataclass(frozen=True, slots=True)
class IndicatorDef:
    """An indicator of the monthly report: the residents whose measure `numerator` is
    true (or, for a number, its sum) over those whose measure `denominator` is true, or
    over everyone enrolled when `denominator` is "enrolled", or over the ward's
    population in the age band `population` when `denominator` is "population"."""

    code: str
    name: Mapping[str, str]
    numerator: str
    denominator: str = "enrolled"
    population: tuple[int, int] | None = None
    target: float | None = None  # e.g. 0.70 for "a yearly check for ≥ 70 % of the elderly"
    source: str = ""


class Programme(Protocol):
    """A community programme. `rule` is its enrolment rule's code
    (`hoso.programmes.rules`), `reads` the resource types `assess` looks at, `forms` the
    Questionnaires its visits are recorded with."""

    code: str
    name: Mapping[str, str]
    rule: str
    reads: tuple[str, ...]
    forms: tuple[Mapping[str, Any], ...]
    indicators: tuple[IndicatorDef, ...]

    def assess(self, record: Record, today: date) -> Assessment: ...
