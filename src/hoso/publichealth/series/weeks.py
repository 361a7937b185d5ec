"""ISO 8601 weeks (Monday to Sunday) as the city reports them: a week is named by its
Monday's date, which sorts and groups as text on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

__all__ = ["days_between", "iso_label", "monday", "parse_day", "weeks_between"]


def parse_day(text: str) -> date:
    """"2026-12-06" → a date; anything else raises ValueError."""
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def monday(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def iso_label(week_monday: date) -> str:
    """"2026-W49": the ISO year and week number, as printed reports name weeks."""
    year, week, _ = week_monday.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_between(first: date, last: date) -> Iterator[date]:
    """The Mondays of every ISO week from `first`'s to `last`'s, both included."""
    at = monday(first)
    while at <= last:
        yield at
        at += timedelta(days=7)


def days_between(first: date, last: date) -> Iterator[date]:
    at = first
    while at <= last:
        yield at
        at += timedelta(days=1)
