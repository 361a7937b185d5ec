"""The follow-up rules: schedule from the last exposure, re-exposure, due days, closing
(completed, lost after the grace period, never open forever), round-robin assignment."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hoso.publichealth.tracing.followup import (
    ClosingRules,
    closing_status,
    due_on,
    parse_day,
    restarted,
    round_robin,
    schedule,
    visit_days,
)

D = date(2026, 11, 1)


def _day(n: int) -> date:
    return D + timedelta(days=n)


def test_the_schedule_starts_the_day_after_the_last_exposure() -> None:
    plan = schedule(D, 14, 1)
    assert (plan.start, plan.end) == (_day(1), _day(14))
    assert len(visit_days(plan)) == 14
    every_other = schedule(D, 14, 2)
    assert visit_days(every_other) == [_day(n) for n in range(1, 15, 2)]
    assert due_on(every_other, _day(3)) and not due_on(every_other, _day(4))
    assert not due_on(every_other, _day(0)) and not due_on(every_other, _day(15))


@pytest.mark.parametrize("days,every", [(0, 1), (4000, 1), (14, 0), (14, 15)])
def test_impossible_periods_are_refused(days: int, every: int) -> None:
    with pytest.raises(ValueError):
        schedule(D, days, every)


def test_a_re_exposure_restarts_and_an_older_one_changes_nothing() -> None:
    plan = schedule(D, 21, 1)
    later = restarted(plan, _day(10), 21)
    assert (later.start, later.end) == (_day(11), _day(31))
    assert restarted(later, _day(2), 21) == later  # an older exposure never shortens it


def test_closing_completed_lost_and_never_open_forever() -> None:
    plan = schedule(D, 4, 1)  # visits on days 1..4, end day 4
    seen = {_day(n): "seen-ok" for n in (1, 2, 3)}
    assert closing_status(plan, seen, _day(4)) == "active"  # the last day is still due
    # The last visit missed: completed all the same (3 of 4 seen), the day after the end.
    assert closing_status(plan, {**seen, _day(4): "missed"}, _day(5)) == "completed"
    missed = {_day(n): "missed" for n in (1, 2, 3, 4)}
    assert closing_status(plan, missed, _day(5)) == "active"  # within the grace period
    assert closing_status(plan, missed, _day(6)) == "active"
    assert closing_status(plan, missed, _day(7)) == "lost"  # 3 days past the end > 2
    assert closing_status(plan, {}, _day(400)) == "lost"  # never open forever
    strict = ClosingRules(grace_days=0, min_seen_share=1.0)
    assert closing_status(plan, seen, _day(5), strict) == "lost"


def test_round_robin_evens_the_load() -> None:
    assert round_robin([1, 2, 3], ["b", "a"]) == {1: "a", 2: "b", 3: "a"}
    # The busier member comes last.
    assert round_robin([7, 8], ["a", "b"], {"a": 5, "b": 1}) == {7: "b", 8: "a"}
    assert round_robin([1], []) == {}


@pytest.mark.parametrize("text", ["2026-13-01", "2026-W49-1", "", None, 20261201, "2026-1-1"])
def test_days_are_iso(text: object) -> None:
    with pytest.raises(ValueError):
        parse_day(text)
