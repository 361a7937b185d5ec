"""The city's simple view as a `Detector`, any other detector plugged in through the
registry, the daily job over every enabled disease × ward (+ city) × method, idempotent,
and the states a signal goes through."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from hoso.core.errors import Conflict, InvalidRequest
from hoso.publichealth.daily import HISTORY_WEEKS, run_daily
from hoso.publichealth.disease_rules import DetectionMethod
from hoso.publichealth.signals import Judgement, detector_for, four_week_view, next_status
from tests.publichealth.fakes import DefaultCatalogue, FakeCatalogue, MemoryRows, rule, weekly_cases

SAIGON, BEN_THANH = "26740", "26743"
RUN_DAY = date(2026, 12, 9)  # a Wednesday: the week judged is 30/11–06/12
JUDGED = date(2026, 11, 30)


def test_this_week_against_the_mean_of_the_previous_four() -> None:
    view = four_week_view(threshold_percent=150, min_count=3)
    judged = view([2, 2, 2, 2, 3, 0, 0, 0, 0, 2, 1, 1, 1, 1, 6], judge=4)
    assert [j.alarm for j in judged] == [False, False, False, True]
    assert judged[-1] == Judgement(1.0, 1.5, True)
    assert view([2, 2, 2, 2, 3], judge=5)[:4] == [Judgement(None, None, None)] * 4
    assert view([2, 2, 2, 2, 3], judge=1) == [Judgement(2.0, 3.0, True)]  # 150 % exactly
    assert view([0, 0, 0, 0, 2], judge=1)[0].alarm is False  # below min_count
    assert view([0, 0, 0, 0, 3], judge=1)[0].alarm is True  # from nothing to 3


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(InvalidRequest):
        detector_for("farrington", {})


def _rows() -> MemoryRows:
    cases = weekly_cases("dengue", SAIGON, JUDGED, [2, 2, 2, 2, 9])
    cases += weekly_cases("dengue", BEN_THANH, JUDGED, [5, 5, 5, 5, 5])
    cases += weekly_cases("hfmd", SAIGON, JUDGED, [0, 0, 0, 0, 1])
    return MemoryRows(cases)


def test_the_daily_job_stores_the_weeks_alarms_once() -> None:
    rows, catalogue = _rows(), FakeCatalogue(rule("dengue"), rule("hfmd"))
    run = run_daily(rows, catalogue, RUN_DAY, now_us=1)
    assert run.week == JUDGED.isoformat() and run.diseases == 2
    assert set(rows.alarms) == {("dengue", SAIGON, "2026-11-30", "four-week"),
                                ("dengue", "city", "2026-11-30", "four-week")}  # fmt: skip
    saigon = rows.alarms[("dengue", SAIGON, "2026-11-30", "four-week")]
    assert (saigon["observed"], saigon["expected"], saigon["upperbound"]) == (9, 2.0, 3.0)
    city = rows.alarms[("dengue", "city", "2026-11-30", "four-week")]
    assert (city["observed"], city["expected"]) == (14, 7.0)
    # Counted by report date, over the history the slowest method needs.
    weekly = next(q for q in rows.queries if q["interval"] == "week")
    assert weekly["basis"] == "report" and weekly["last"] == "2026-12-06"
    assert date.fromisoformat(weekly["first"]) == date(2026, 11, 30).fromordinal(
        JUDGED.toordinal() - 7 * (HISTORY_WEEKS - 1))  # fmt: skip
    again = run_daily(rows, catalogue, date(2026, 12, 10), now_us=2)
    assert again.alarms == 2 and again.signals_added == 0  # same week: nothing new


def test_any_detector_plugs_in_by_its_method_name() -> None:
    seen: list[tuple[int, int, object]] = []

    def always(counts: Sequence[int], population: Sequence[int] | None = None, *,
               judge: int = 1) -> list[Judgement]:  # fmt: skip
        seen.append((len(counts), judge, population and set(population)))
        return [Judgement(0.5, 1.0, True)] * judge

    registry = {"always": lambda **_: always}
    catalogue = FakeCatalogue(rule("dengue", methods=[DetectionMethod("always")]))
    rows = _rows()
    rows.people = {SAIGON: 50_000, "25747": 70_000}  # Bến Thành has no figure
    run_daily(rows, catalogue, RUN_DAY, now_us=1, registry=registry, history_weeks=52)
    # Both wards with dengue and the city; hfmd is not enabled here.
    assert {k[1] for k in rows.alarms} == {SAIGON, BEN_THANH, "city"}
    # Each series whole, judged on its last week, with its population per week if known.
    assert sorted(seen, key=str) == sorted([(52, 1, {50_000}), (52, 1, None),
                                            (52, 1, {120_000})], key=str)  # fmt: skip


def test_the_default_catalogue_and_dengue_focus_rule() -> None:
    catalogue = DefaultCatalogue(["dengue", "newpox"])
    dengue = catalogue.rule("dengue")
    assert dengue is not None and (dengue.focus_cases, dengue.focus_days) == (2, 14)
    assert dengue.response_hours == 48 and dengue.name_vi == "Sốt xuất huyết Dengue"
    unknown = catalogue.rule("newpox")
    assert unknown is not None and unknown.methods[0].method == "four-week"
    assert catalogue.rule("cholera") is None


def test_a_signals_states() -> None:
    assert next_status("open", "verify") == "verified"
    assert next_status("verified", "focus") == "focus"
    assert next_status("open", "dismiss") == "dismissed"
    for current, decision in (("verified", "verify"), ("dismissed", "focus"),
                              ("focus", "dismiss")):
        with pytest.raises(Conflict):
            next_status(current, decision)
    with pytest.raises(InvalidRequest):
        next_status("open", "delete")
