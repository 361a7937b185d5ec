"""Which past weeks form a Farrington baseline, as R's `surveillance` 1.20.3 picks them.

Ports `algo.farrington.referencetimepoints`, `blocks` and `algo.farrington.data.glm`:
the reference weeks one, two, … `b` years back (date-based series: `seq(by = "-1 year")`
snapped to the weekday of the week evaluated), the windows of `2w + 1` weeks around
them, the `noPeriods - 1` seasonal blocks between windows, and the most recent weeks
left out (`pastWeeksNotIncluded`). Positions are 1-based as in R until `BaselineLayout`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from hoso.publichealth.detection.series import EPOCH_ORDINAL, CountSeries, day_of


class ReferenceWeeksMissing(ValueError):
    """R's stop(): a reference week lies before the series or is not one of its dates."""

    def __init__(self) -> None:
        super().__init__(
            "Some reference time points did not exist; decrease 'b' or postpone 'range'."
        )


@dataclass(frozen=True)
class BaselineLayout:
    """The baseline of one evaluated week: its rows (0-based positions into the series),
    their time (R's `wtime`, centred on the evaluated week) and seasonal group (1…p;
    the evaluated week's group is p = `noPeriods`)."""

    rows: np.ndarray
    time: np.ndarray
    group: np.ndarray


def _years_back(day: date, years: int) -> date:
    """R's `seq(day, by = "-1 year")` step: 29 February falls on 1 March."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 3, 1)


def _weekday(days: int) -> int:
    """R's format(d, "%w"): 0 is Sunday; 1970-01-01 was a Thursday."""
    return (int(days) + 4) % 7


def reference_points(series: CountSeries, k: int, b: int) -> list[int]:
    """Reference time points of position `k`, newest first: positions for index-based
    series, days since 1970-01-01 for dated ones (snapped to the nearest same weekday)."""
    if series.dates is None:
        return [k - i * series.freq for i in range(b + 1)]
    now = int(series.dates[k - 1])
    points = []
    for i in range(b + 1):
        ref = _years_back(day_of(now), i).toordinal() - EPOCH_ORDINAL
        a = ref - (_weekday(ref) - _weekday(now))
        other = a + (-7 if a > ref else 7)
        points.append(a if abs(a - ref) <= abs(other - ref) else other)
    return points


def _span(first: int, last: int) -> list[int]:
    """R's `first:last` used as an index: either direction, 0 dropped, negatives fatal."""
    step = 1 if last >= first else -1
    values = [i for i in range(first, last + step, step) if i != 0]
    if any(i < 0 for i in values):
        raise ReferenceWeeksMissing()
    return values


def seasonal_blocks(reference_rows: list[int], now: int, n: int, w: int, p: int) -> list[float]:
    """R's `blocks()`: factor per position (1-based, NaN outside the baseline).

    `reference_rows` are the positions of the reference points, newest (now) first."""
    factors = [float("nan")] * (n + 1)  # index 0 unused: R is 1-based
    for i in _span(now - w, now):
        factors[i] = p
    for i in range(1, len(reference_rows)):
        ref = reference_rows[i]
        for j in _span(ref - w, ref + w):
            factors[j] = p
        if p == 1:
            continue
        period = reference_rows[i - 1] - 2 * w - 1 - ref
        if period < p - (2 * w + 1):
            raise ValueError("Number of factors too big!")
        lengths = [period // (p - 1)] * (p - 1)
        for j in range(period % (p - 1)):
            lengths[j] += 1
        ends = np.cumsum([0, *lengths])
        for j in range(1, p):
            for position in _span(ref + w + 1 + ends[j - 1], ref + w + 1 + ends[j] - 1):
                factors[position] = j
    return factors[1:]


def baseline_layout(
    series: CountSeries, k: int, b: int, w: int, no_periods: int, past_weeks_not_included: int
) -> BaselineLayout:
    """The baseline of position `k` (1-based), as `algo.farrington.data.glm` builds it."""
    n = len(series)
    points = reference_points(series, k, b)
    if series.dates is None:
        if min(points) < 1 or max(points) > n:
            raise ReferenceWeeksMissing()
        positions = points
    else:
        where = {int(day): i + 1 for i, day in enumerate(series.dates)}
        if any(point not in where for point in points):
            raise ReferenceWeeksMissing()
        positions = sorted((where[point] for point in points), reverse=True)
    factors = seasonal_blocks(positions, k, n, w, no_periods)
    kept = list(factors)
    for i in _span(k - past_weeks_not_included, k):
        if i <= n:
            kept[i - 1] = float("nan")
    rows = np.array([i for i, value in enumerate(kept) if value == value], dtype=np.int64)
    if series.dates is None:
        time = (rows + 1 - k).astype(float)
    else:
        step = float(series.dates[1] - series.dates[0])
        time = (series.dates[rows] - series.dates[k - 1]) / step
    group = np.array([factors[i] for i in rows], dtype=np.int64)
    return BaselineLayout(rows, np.asarray(time, dtype=float), group)
