"""A weekly count series as the detection methods read it, and what they return.

The series mirrors R's `sts` object with one column: the counts, an optional population
(for `populationOffset`), and either dates (R's `epochAsDate = TRUE`, weekly) or plain
positions with a frequency (R's index-based `sts`, `freq = 52`). Positions in every
public function are 1-based, as R's `range`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np


@dataclass(frozen=True)
class CountSeries:
    """Counts per period, oldest first.

    `dates` (days since 1970-01-01, R's epoch) make the series date-based, as an `sts`
    with `epochAsDate = TRUE`; without them it is index-based with `freq` periods a year.
    """

    counts: np.ndarray
    dates: np.ndarray | None = None
    population: np.ndarray | None = None
    freq: int = 52

    @classmethod
    def weekly(
        cls,
        counts: Sequence[float],
        first_day: Sequence[date] | None = None,
        population: Sequence[float] | None = None,
        freq: int = 52,
    ) -> CountSeries:
        """A series from plain sequences; `first_day` holds each week's first day."""
        days = None
        if first_day is not None:
            days = np.array([day.toordinal() - EPOCH_ORDINAL for day in first_day], dtype=np.int64)
        pop = None if population is None else np.asarray(population, dtype=float)
        return cls(np.asarray(counts, dtype=float), days, pop, freq)

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=float)
        if counts.ndim != 1 or counts.size == 0:
            raise ValueError("the series has no counts")
        if not np.all(np.isfinite(counts)) or np.any(counts < 0):
            raise ValueError("counts must be finite and non-negative")
        for name, values in (("dates", self.dates), ("population", self.population)):
            if values is not None and len(values) != counts.size:
                raise ValueError(f"{name} and counts differ in length")
        object.__setattr__(self, "counts", counts)

    @property
    def dated(self) -> bool:
        return self.dates is not None

    def __len__(self) -> int:
        return int(self.counts.size)


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_of(days_since_epoch: int) -> date:
    """The calendar day of an R `Date` (days since 1970-01-01)."""
    return date.fromordinal(int(days_since_epoch) + EPOCH_ORDINAL)


@dataclass(frozen=True)
class Detection:
    """One method's result over the positions it evaluated (1-based, R's `range`).

    `alarm` holds True, False or None where R gives NA (a Farrington fit that converged
    neither with nor without trend, or an EARS bound that is NaN). `expected` is NaN
    where R's `control$expected` is NA, and for EARS (R computes none).
    """

    positions: np.ndarray
    count: np.ndarray
    upperbound: np.ndarray
    expected: np.ndarray
    alarm: tuple[bool | None, ...]
    score: np.ndarray | None = None
    pvalue: np.ndarray | None = None
    trend: np.ndarray | None = None
