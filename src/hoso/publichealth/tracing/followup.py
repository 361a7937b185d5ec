"""Follow-up of a contact: the visit schedule, visit outcomes, closing and assignment.

A contact exposed last on day E is followed from E + 1 for the disease's period
(`followup_days`), seen every `visit_every_days`: the visit days are start, start + k,
… up to the end (end = E + followup_days). A re-exposure moves the start and end later,
never earlier. Follow-up closes:

- completed: the end is past and at least `min_seen_share` of the due visits were seen
  (a missed day in the middle does not hold it open);
- lost: the end is past by `grace_days` and not enough visits were seen — so a missed
  last visit never keeps a follow-up open forever: after the grace period it is lost;
- became-case: the contact showed symptoms and became a suspected case (elsewhere).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "OUTCOMES", "SEEN", "STATUSES", "ClosingRules", "Schedule", "closing_status", "due_on",
    "parse_day", "round_robin", "schedule", "visit_days",
]  # fmt: skip

SEEN_OK, SEEN_SYMPTOMS, MISSED, NOT_ATTEMPTED = (
    "seen-ok", "seen-with-symptoms", "missed", "not-attempted")
OUTCOMES = (SEEN_OK, SEEN_SYMPTOMS, MISSED, NOT_ATTEMPTED)
SEEN = frozenset({SEEN_OK, SEEN_SYMPTOMS})
ACTIVE, COMPLETED, LOST, BECAME_CASE = "active", "completed", "lost", "became-case"
STATUSES = (ACTIVE, COMPLETED, LOST, BECAME_CASE)
MAX_FOLLOWUP_DAYS = 3650  # as the disease definitions allow (TB: 180 days)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: object, field: str = "date") -> date:
    """An ISO day `YYYY-MM-DD`, or ValueError naming the field (callers turn it into 400)."""
    if not isinstance(text, str) or not _DAY.fullmatch(text):  # 3.11 reads "2026-W49-1" too
        raise ValueError(field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(field) from None


@dataclass(frozen=True, slots=True)
class Schedule:
    start: date  # last exposure + 1 day
    end: date  # last exposure + followup_days
    every: int  # days between visits

    def iso(self) -> tuple[str, str]:
        return self.start.isoformat(), self.end.isoformat()


def schedule(last_exposure: date, followup_days: int, every_days: int) -> Schedule:
    """The follow-up after an exposure on `last_exposure`."""
    if not 1 <= followup_days <= MAX_FOLLOWUP_DAYS or not 1 <= every_days <= followup_days:
        raise ValueError("followup_days/visit_every_days")
    return Schedule(last_exposure + timedelta(days=1),
                    last_exposure + timedelta(days=followup_days), every_days)


def restarted(current: Schedule, last_exposure: date, followup_days: int) -> Schedule:
    """A re-exposure during follow-up: the period runs again from the new exposure; an
    exposure older than the current one changes nothing (it never shortens it)."""
    fresh = schedule(last_exposure, followup_days, current.every)
    if fresh.end <= current.end:
        return current
    return Schedule(fresh.start, fresh.end, current.every)


def visit_days(plan: Schedule) -> list[date]:
    """Every day a visit is due, start to end inclusive."""
    days, day = [], plan.start
    while day <= plan.end:
        days.append(day)
        day += timedelta(days=plan.every)
    return days


def due_on(plan: Schedule, day: date) -> bool:
    """Whether a visit is due on `day`."""
    return plan.start <= day <= plan.end and (day - plan.start).days % plan.every == 0


@dataclass(frozen=True, slots=True)
class ClosingRules:
    grace_days: int = 2  # past the end with too few visits seen: lost after this many days
    min_seen_share: float = 0.5  # of the due visits, seen, for "completed"


def closing_status(plan: Schedule, outcomes: dict[date, str], today: date,
                   rules: ClosingRules = ClosingRules()) -> str:
    """active, completed or lost for a follow-up with these visit outcomes, on `today`.

    Completed once the end is past and enough due visits were seen (the last visit
    missed included); lost once the end is past by the grace period without enough
    seen; active before that."""
    if today <= plan.end:
        return ACTIVE
    due = visit_days(plan)
    seen = sum(1 for d in due if outcomes.get(d) in SEEN)
    if due and seen / len(due) >= rules.min_seen_share:
        return COMPLETED
    if (today - plan.end).days > rules.grace_days:
        return LOST
    return ACTIVE


def round_robin(items: Sequence[int], team: Sequence[str],
                load: dict[str, int] | None = None) -> dict[int, str]:
    """Each follow-up (by id, in order) to a member of the team, in turn, starting
    with the least loaded (ties by name), so that the team's load evens out over days."""
    if not team:
        return {}
    counts = {member: (load or {}).get(member, 0) for member in team}
    order = sorted(team, key=lambda m: (counts[m], m))
    return {item: order[i % len(order)] for i, item in enumerate(items)}
