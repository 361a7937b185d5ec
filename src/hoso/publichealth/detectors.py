"""The daily job's detectors: each method as a `Detector` (counts and populations → the
last `judge` weeks' expected count, upper bound and alarm), made from a disease
definition's controls (`detection.controls`, named as `FarringtonControl`'s fields or
EARS's `baseline`, `min_sigma`, `alpha`).

- `farrington`, `noufaily`: `hoso.publichealth.detection.farrington_flexible` (R's
  farringtonFlexible, and its Noufaily preset), on an index-based weekly series; weeks
  without the b years of history R needs are not judged (None, R's NA);
- `ears-c1`, `ears-c2`, `ears-c3`: `ears_c` (R's earsC);
- `four-week`: the city's simple view, this week against the mean of the previous 4.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol

import numpy as np

from hoso.core.errors import InvalidRequest
from hoso.publichealth.detection import (
    NOUFAILY,
    CountSeries,
    FarringtonControl,
    farrington_flexible,
    farrington_flexible_many,
)
from hoso.publichealth.detection.ears import ears_c

__all__ = ["DETECTORS", "Detector", "DetectorFactory", "Judgement", "check_controls",
           "detector_for", "four_week_view"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Judgement:
    expected: float | None
    upperbound: float | None
    alarm: bool | None  # None: too little history to judge (R's NA)


class Detector(Protocol):
    def __call__(self, counts: Sequence[int], population: Sequence[int] | None = None, *,
                 judge: int = 1) -> list[Judgement]:  # fmt: skip
        """The last `judge` weeks of `counts`, judged each on the weeks before it."""
        ...


def four_week_view(threshold_percent: float = 150.0, min_count: float = 3) -> Detector:
    """This week against the mean of the previous 4 (the city's weekly bulletin): an
    alarm when the week is at least `threshold_percent` % of that mean and has at least
    `min_count` cases (so that 1 case after 4 empty weeks is not an alarm)."""

    def judge_weeks(counts: Sequence[int], population: Sequence[int] | None = None, *,
                    judge: int = 1) -> list[Judgement]:  # fmt: skip
        found = []
        for at in range(len(counts) - judge, len(counts)):
            if at < 4:
                found.append(Judgement(None, None, None))
                continue
            expected = sum(counts[at - 4:at]) / 4
            upper = expected * threshold_percent / 100
            alarm = counts[at] >= min_count and counts[at] >= upper
            found.append(Judgement(expected, upper, alarm))
        return found

    return judge_weeks


DetectorFactory = Callable[..., Detector]
_CONTROL_FIELDS = {f.name for f in fields(FarringtonControl)}


def _farrington(base: FarringtonControl, controls: Mapping[str, Any]) -> Detector:
    unknown = set(controls) - _CONTROL_FIELDS
    if unknown:
        raise ValueError(f"unknown controls: {', '.join(sorted(unknown))}")
    given = {k: (tuple(v) if k == "limit54" else v) for k, v in controls.items()}
    control = replace(base, **given).checked()
    needed = 52 * control.b + control.w + 1  # R's first judged week

    def judge_weeks(counts: Sequence[int], population: Sequence[int] | None = None, *,
                    judge: int = 1) -> list[Judgement]:  # fmt: skip
        n = len(counts)
        first = max(n - judge + 1, needed)
        found = [Judgement(None, None, None)] * (min(judge, n) - max(n - first + 1, 0))
        if first > n:
            return found
        offset = control.population_offset and population is not None
        series = CountSeries.weekly(counts, population=population if offset else None)
        done = farrington_flexible(series, control if offset else replace(
            control, population_offset=False), list(range(first, n + 1)))  # fmt: skip
        return found + [Judgement(_number(e), _number(u), a)
                        for e, u, a in zip(done.expected, done.upperbound, done.alarm,
                                           strict=True)]  # fmt: skip

    def latest_many(rows: Sequence[Sequence[int]],
                    populations: Sequence[Sequence[int] | None]) -> list[Judgement]:  # fmt: skip
        """The last week of many series of one calendar in one batched fit (the daily
        job's shape: a disease's wards), equal to judging each alone."""
        n = len(rows[0]) if rows else 0
        if n < needed:
            return [Judgement(None, None, None)] * len(rows)
        offset = control.population_offset and all(p is not None for p in populations)
        done = farrington_flexible_many(
            np.asarray(rows, dtype=float), CountSeries.weekly(rows[0]),
            control if offset else replace(control, population_offset=False), [n],
            np.asarray(populations, dtype=float) if offset else None)  # fmt: skip
        return [Judgement(_number(e), _number(u), None if math.isnan(a) else bool(a))
                for e, u, a in zip(done.expected[:, 0], done.upperbound[:, 0],
                                   done.alarm[:, 0], strict=True)]  # fmt: skip

    judge_weeks.latest_many = latest_many  # type: ignore[attr-defined]
    return judge_weeks


def _ears(method: str, controls: Mapping[str, Any]) -> Detector:
    unknown = set(controls) - {"baseline", "min_sigma", "alpha"}
    if unknown:
        raise ValueError(f"unknown controls: {', '.join(sorted(unknown))}")
    baseline = int(controls.get("baseline", 7))

    def judge_weeks(counts: Sequence[int], population: Sequence[int] | None = None, *,
                    judge: int = 1) -> list[Judgement]:  # fmt: skip
        n = len(counts)
        first = max(n - judge + 1, baseline + {"C1": 1, "C2": 3, "C3": 5}[method])
        found = [Judgement(None, None, None)] * (min(judge, n) - max(n - first + 1, 0))
        if first > n:
            return found
        done = ears_c(CountSeries.weekly(counts), method, baseline,
                      float(controls.get("min_sigma", 0.0)), controls.get("alpha"),
                      list(range(first, n + 1)))  # fmt: skip
        return found + [Judgement(None, _number(u), a)
                        for u, a in zip(done.upperbound, done.alarm, strict=True)]  # fmt: skip

    return judge_weeks


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


DETECTORS: dict[str, DetectorFactory] = {
    "four-week": four_week_view,
    "farrington": lambda **c: _farrington(FarringtonControl(), c),
    "noufaily": lambda **c: _farrington(NOUFAILY, c),
    "ears-c1": lambda **c: _ears("C1", c),
    "ears-c2": lambda **c: _ears("C2", c),
    "ears-c3": lambda **c: _ears("C3", c),
}


def detector_for(method: str, params: Mapping[str, float],
                 registry: Mapping[str, DetectorFactory] = DETECTORS) -> Detector:  # fmt: skip
    factory = registry.get(method)
    if factory is None:
        raise InvalidRequest(f"Phương pháp không được hỗ trợ / Unsupported method: {method[:40]}")
    try:
        return factory(**params)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"Tham số phát hiện sai / invalid detection controls: {exc}"
                             ) from None  # fmt: skip


def check_controls(method: str, controls: Mapping[str, Any]) -> None:
    """Refuse (ValueError) what `detector_for` would: a definition is checked when added."""
    try:
        detector_for(method, controls)
    except InvalidRequest as exc:
        raise ValueError(exc.message) from None


