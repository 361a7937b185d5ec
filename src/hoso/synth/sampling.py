"""Weighted choice and the fixed calendar every synthetic record is dated against.

`random.choices` rebuilds its cumulative weights on every call; the generator draws
millions of times, so each table is turned into a `Weighted` once, at import.
Dates are day ordinals (`date.toordinal()`) in the hot loop: integers are cheaper than
`date` objects and format once, at the end.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from itertools import accumulate
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")

# "Today" of the population: ages, history and card periods are fixed against it, so
# the same seed gives the same files whatever the date of the run.
NOW = date(2026, 1, 1)
NOW_DAY = NOW.toordinal()
HISTORY_START = date(2021, 1, 1).toordinal()  # clinical history covers 2021-2025
HISTORY_END = NOW_DAY - 1
TZ = "+07:00"  # Asia/Ho_Chi_Minh has no daylight saving


class Weighted(Generic[T]):
    """Items with relative weights; `pick` is one `random()` and a bisection."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        pairs = [(item, weight) for item, weight in pairs if weight > 0]
        self.items: list[T] = [item for item, _ in pairs]
        self.cum: list[float] = list(accumulate(weight for _, weight in pairs))
        self.total: float = self.cum[-1]

    def pick(self, rng: Random) -> T:
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


@lru_cache(maxsize=8192)
def iso_day(day: int) -> str:
    """`2023-04-05` for a day ordinal."""
    return date.fromordinal(day).isoformat()


def iso_time(day: int, minute: int) -> str:
    """A local dateTime with the Vietnam offset, minute of the day 0-1439."""
    return f"{iso_day(day)}T{minute // 60:02d}:{minute % 60:02d}:00{TZ}"


def year_of(day: int) -> int:
    return date.fromordinal(day).year


def day_in_year(year: int, rng: Random, months: tuple[int, int] = (1, 12)) -> int:
    """A random day of `year` between the first day of the first month and the end of
    the last one (used for seasonal illnesses)."""
    first = date(year, months[0], 1).toordinal()
    last = date(year + 1, 1, 1) if months[1] == 12 else date(year, months[1] + 1, 1)
    return first + rng.randrange(last.toordinal() - first)
