"""Outbreak signals (issue 18 point 3): the daily job's detection over weekly series, and
what officers do with an alarm.

The numeric methods (Farrington flexible, Noufaily, EARS C1–C3, identical to R's
`surveillance`, `hoso.publichealth.detection`, and the city's simple view) are seen here
as `Detector`s (`hoso.publichealth.detectors`): counts (and populations) → the last
`judge` weeks' expected count, upper bound and alarm.

A signal is open until an officer verifies it (a real increase, followed up), dismisses
it (an artefact: a backlog of reports, a duplicate) or turns it into a focus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from hoso.core.errors import Conflict, InvalidRequest
from hoso.publichealth.detectors import (
    DETECTORS,
    Detector,
    DetectorFactory,
    Judgement,
    detector_for,
    four_week_view,
)
from hoso.publichealth.disease_rules import DiseaseRule
from hoso.publichealth.series.counts import AreaSeries

__all__ = [
    "DECISIONS", "DETECTORS", "Alarm", "Detector", "Judgement", "detector_for", "four_week_view",
    "judge_areas", "next_status",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Alarm:
    disease: str
    ward: str  # a ward code, or "city"
    week: str  # the ISO week's Monday
    method: str
    observed: int
    expected: float | None
    upperbound: float | None


def judge_areas(rule: DiseaseRule, series: Mapping[str, AreaSeries], week: date,
                registry: Mapping[str, DetectorFactory] = DETECTORS,
                populations: Mapping[str, Sequence[int]] | None = None) -> list[Alarm]:  # fmt: skip
    """Every method of `rule` over every area's weekly series ending at `week`: the
    alarms of that week. `populations`: each area's residents per week, for methods
    with a population offset (an area without a figure for every week gets None)."""
    # A ward without a case in the whole history raises nothing.
    areas = [(area, weekly) for area, weekly in series.items()
             if weekly.counts and weekly.periods[-1] == week and any(weekly.counts)]  # fmt: skip
    people = [(populations or {}).get(area) for area, _weekly in areas]
    alarms = []
    for spec in rule.methods:
        detect = detector_for(spec.method, spec.params, registry)
        batched = getattr(detect, "latest_many", None)
        if batched is not None and areas:  # one batched fit for all the areas
            judged = batched([list(w.counts) for _a, w in areas],
                             [list(p) if p else None for p in people])  # fmt: skip
        else:
            judged = [detect(list(w.counts), list(p) if p else None, judge=1)[-1]
                      for (_a, w), p in zip(areas, people, strict=True)]  # fmt: skip
        for (area, weekly), found in zip(areas, judged, strict=True):
            if found.alarm:
                alarms.append(Alarm(rule.code, area, week.isoformat(), spec.method,
                                    weekly.counts[-1], found.expected, found.upperbound))
    return alarms


# What an officer may do with a signal in each state, and the state it leads to.
DECISIONS = {"verify": "verified", "dismiss": "dismissed", "focus": "focus"}
_FROM = {"verify": {"open"}, "dismiss": {"open", "verified"}, "focus": {"open", "verified"}}


def next_status(current: str, decision: str) -> str:
    if decision not in DECISIONS:
        raise InvalidRequest("Quyết định là verify, dismiss hoặc focus / The decision is "
                             "verify, dismiss or focus", expression=["decision"])  # fmt: skip
    if current not in _FROM[decision]:
        raise Conflict(f"Tín hiệu đang ở trạng thái {current} / The signal is {current}")
    return DECISIONS[decision]
