"""The elderly programme's due list and measures for residents worked by hand
(today 06/12/2026; intervals from data/elderly.json: screening and health check every
365 days, step 2 within 30 days, home visits every 30 days bedridden / 90 dependent)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hoso.programmes.elderly import ELDERLY
from hoso.programmes.framework import Assessment
from tests.builders.programmes import record, response
from tests.programmes.elderly.test_icope import HEALTHY
from tests.programmes.elderly.test_scores import BARTHEL_INDEPENDENT

TODAY = date(2026, 12, 6)
BORN = "1954-02-20"  # 72


def _due(assessment: Assessment) -> dict[str, tuple[date, str]]:
    return {d.activity: (d.due, d.status) for d in assessment.due}


def test_never_seen_resident_is_due_for_screening_and_check_this_month() -> None:
    a = ELDERLY.assess(record(BORN), TODAY)
    assert _due(a) == {"icope-step1": (date(2026, 12, 1), "due"),
                       "health-check": (date(2026, 12, 1), "due")}  # fmt: skip
    assert a.measures["screened_12m"] is False and a.measures["has_record"] is False
    assert a.summary["vi"] == "ICOPE: chưa sàng lọc"


def test_positive_domains_schedule_their_step2_assessments() -> None:
    screen = response("icope-step1", {**HEALTHY, "mob-chair-seconds": 16.0,
                                       "dep-down": True}, "2026-03-10")  # fmt: skip
    a = ELDERLY.assess(record(BORN, screen), TODAY)
    due = _due(a)
    assert due["icope-step1"] == (date(2027, 3, 10), "upcoming")
    for activity in ("sppb", "barthel", "falls", "phq-9"):  # mobility; mood → PHQ-9
        assert due[activity] == (date(2026, 4, 9), "overdue")
    assert "mna-sf" not in due and "mini-cog" not in due and "iadl" not in due
    assert a.measures["icope_positive"] == 2
    assert a.measures["icope_domains"] == "mobility,depressive"
    assert a.summary["vi"] == "ICOPE: Vận động, Trầm cảm"


def test_a_step2_done_after_the_screen_is_no_longer_due_but_one_before_it_is() -> None:
    screen = response("icope-step1", {**HEALTHY, "mob-chair-unable": True,
                                      "mob-chair-seconds": None}, "2026-03-10")  # fmt: skip
    sppb_after = response(
        "sppb",
        {
            "bal-side": True,
            "bal-semi": True,
            "bal-tandem-seconds": 4,
            "gait-seconds": 7.0,
            "chair-seconds": 15.0,
        },
        "2026-04-01",
    )
    barthel_before = response("barthel", BARTHEL_INDEPENDENT, "2025-11-01")
    a = ELDERLY.assess(record(BORN, screen, sppb_after, barthel_before), TODAY)
    assert "sppb" not in _due(a) and "barthel" in _due(a)
    assert (a.measures["sppb"], a.measures["sppb_positive"]) == (3 + 2 + 2, True)


def test_health_check_within_a_year_counts_toward_the_target() -> None:
    check = {"bp-systolic": 130, "bp-diastolic": 80}
    recent = ELDERLY.assess(record(BORN, response("elderly-health-check", check, "2026-01-10")),
                            TODAY)  # fmt: skip
    assert recent.measures["checked_12m"] is True and recent.measures["has_record"] is True
    assert _due(recent)["health-check"] == (date(2027, 1, 10), "upcoming")
    old = ELDERLY.assess(record(BORN, response("elderly-health-check", check, "2025-12-01")),
                         TODAY)  # fmt: skip
    assert old.measures["checked_12m"] is False and old.measures["has_record"] is True
    assert _due(old)["health-check"] == (date(2026, 12, 1), "due")


def _barthel(points: dict[str, Any], day: str) -> dict[str, Any]:
    return response("barthel", {**BARTHEL_INDEPENDENT, **points}, day)


BEDRIDDEN = {"bi-feeding": "feeding-5", "bi-bathing": "bathing-0", "bi-grooming": "grooming-0",
             "bi-dressing": "dressing-0", "bi-bowels": "bowels-5", "bi-bladder": "bladder-0",
             "bi-toilet": "toilet-0", "bi-transfers": "transfers-5", "bi-mobility": "mobility-0",
             "bi-stairs": "stairs-0"}  # 5 + 5 + 5 = 15  # fmt: skip


def test_a_low_barthel_puts_a_resident_on_the_home_visit_register() -> None:
    a = ELDERLY.assess(record(BORN, _barthel(BEDRIDDEN, "2026-11-20")), TODAY)
    assert (a.measures["barthel"], a.measures["bedridden"], a.measures["dependent"]) == (
        15,
        True,
        True,
    )
    assert a.measures["dependency_source"] == "barthel"
    assert _due(a)["home-visit"] == (date(2026, 12, 1), "due")  # never visited
    visit = response("elderly-home-visit", {"needs": "thay băng"}, "2026-11-25")
    a = ELDERLY.assess(record(BORN, _barthel(BEDRIDDEN, "2026-11-20"), visit), TODAY)
    assert _due(a)["home-visit"] == (date(2026, 12, 25), "due")  # bedridden: every 30 days
    [home] = [d for d in a.due if d.activity == "home-visit"]
    assert home.detail == {
        "last_done": "2026-11-25",
        "bedridden": True,
        "barthel": 15,
        "source": "barthel",
        "since": "2026-11-20",
        "every_days": 30,
    }
    assert a.measures["home_visit_on_time"] is True


def test_the_latest_evidence_wins_between_a_barthel_and_a_nurses_flag() -> None:
    flagged = response("elderly-health-check", {"bp-systolic": 120, "bp-diastolic": 70,
                                                "dependent": True}, "2026-06-01")  # fmt: skip
    a = ELDERLY.assess(record(BORN, flagged), TODAY)
    assert (a.measures["dependent"], a.measures["bedridden"]) == (True, False)
    assert _due(a)["home-visit"][0] == date(2026, 12, 1)
    recovered = _barthel({}, "2026-09-01")  # 100 later than the flag
    a = ELDERLY.assess(record(BORN, flagged, recovered), TODAY)
    assert a.measures["dependent"] is False and "home-visit" not in _due(a)
    visit_without_flags = response("elderly-home-visit", {"bp-systolic": 120}, "2026-10-01")
    a = ELDERLY.assess(record(BORN, flagged, recovered, visit_without_flags), TODAY)
    assert a.measures["dependent"] is False  # a visit that did not assess dependency


def test_phq9_item_nine_makes_a_same_day_review_due() -> None:
    codes = ["LA6568-5"] * 8 + ["LA6569-3"]
    phq = response("phq-9", {f"phq-{k + 1}": c for k, c in enumerate(codes)}, "2026-12-02")
    a = ELDERLY.assess(record(BORN, phq), TODAY)
    assert _due(a)["mental-health-review"] == (date(2026, 12, 2), "due")
    assert (a.measures["phq_9"], a.measures["phq_9_positive"]) == (1, False)


def test_responses_after_today_are_not_read() -> None:
    future = response("elderly-health-check", {"bp-systolic": 120, "bp-diastolic": 70},
                      "2026-12-20")  # fmt: skip
    assert ELDERLY.assess(record(BORN, future), TODAY).measures["has_record"] is False
