"""Step 2 scores computed by hand from the instruments' published point tables
(Guralnik 1994 SPPB; Kaiser 2009 MNA-SF; Kroenke 2001 PHQ-9; Borson 2000 Mini-Cog;
Mahoney & Barthel 1965 with Shah 1989 bands)."""

from __future__ import annotations

import pytest

from hoso.programmes.elderly.scores import (
    Score,
    barthel,
    falls,
    iadl,
    mini_cog,
    mna_sf,
    phq9,
    phq9_item9,
    sppb,
)


def test_sppb_adds_balance_gait_and_chair_points() -> None:
    # balance 1 + 1 + tandem 5 s → 1 = 3; gait 5.00 s → 3; chair 12.5 s → 3
    answers = {"bal-side": True, "bal-semi": True, "bal-tandem-seconds": 5.0,
               "gait-seconds": 5.0, "chair-seconds": 12.5}  # fmt: skip
    assert sppb(answers) == Score(9, "limited", True)
    best = {"bal-side": True, "bal-semi": True, "bal-tandem-seconds": 10,
            "gait-seconds": 4.5, "chair-seconds": 11.0}  # fmt: skip
    assert sppb(best) == Score(12, "good", False)


def test_sppb_stops_balance_at_the_first_stand_not_held() -> None:
    answers = {"bal-side": False, "gait-unable": True, "chair-unable": True}
    assert sppb(answers) == Score(0, "limited", True)
    semi_failed = {"bal-side": True, "bal-semi": False, "gait-seconds": 6.0,
                   "chair-seconds": 14.0}  # fmt: skip
    assert sppb(semi_failed) == Score(1 + 3 + 2, "limited", True)


@pytest.mark.parametrize(("gait", "points"), [(4.81, 4), (4.82, 3), (6.20, 3), (6.21, 2),
                                              (8.70, 2), (8.71, 1)])  # fmt: skip
def test_sppb_gait_bands(gait: float, points: int) -> None:
    base = {"bal-side": False, "chair-unable": True}
    assert sppb({**base, "gait-seconds": gait}).value == points  # type: ignore[union-attr]


CHAIR_BANDS = [(11.19, 4), (11.2, 3), (13.69, 3), (13.7, 2), (16.69, 2), (16.7, 1), (60.0, 1),
               (60.5, 0)]  # fmt: skip


@pytest.mark.parametrize(("chair", "points"), CHAIR_BANDS)
def test_sppb_chair_bands(chair: float, points: int) -> None:
    base = {"bal-side": False, "gait-unable": True}
    assert sppb({**base, "chair-seconds": chair}).value == points  # type: ignore[union-attr]


def test_sppb_without_a_gait_time_is_not_scored() -> None:
    assert sppb({"bal-side": False, "chair-seconds": 12}) is None


def test_mna_sf_bands() -> None:
    at_risk = {"mna-a": "a1", "mna-b": "b2", "mna-c": "c2", "mna-d": "d2", "mna-e": "e2",
               "mna-f1": "f1-2"}  # 1 + 2 + 2 + 2 + 2 + 2  # fmt: skip
    assert mna_sf(at_risk) == Score(11, "at-risk", True)
    normal = {**at_risk, "mna-a": "a2", "mna-b": "b3", "mna-f1": "f1-3"}
    assert mna_sf(normal) == Score(14, "normal", False)
    low = {"mna-a": "a0", "mna-b": "b0", "mna-c": "c1", "mna-d": "d0", "mna-e": "e1",
           "mna-f2": "f2-3"}  # calf circumference when there is no BMI: 0+0+1+0+1+3  # fmt: skip
    assert mna_sf(low) == Score(5, "malnourished", True)
    assert mna_sf({k: v for k, v in at_risk.items() if k != "mna-f1"}) is None


def _phq(*points: int) -> dict[str, str]:
    codes = ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")
    return {f"phq-{k + 1}": codes[p] for k, p in enumerate(points)}


def test_phq9_bands_and_the_cut_off_of_ten() -> None:
    assert phq9(_phq(1, 1, 1, 1, 1, 1, 1, 1, 1)) == Score(9, "mild", False)
    assert phq9(_phq(2, 1, 1, 1, 1, 1, 1, 1, 1)) == Score(10, "moderate", True)
    assert phq9(_phq(0, 0, 0, 0, 0, 0, 0, 0, 0)) == Score(0, "minimal", False)
    assert phq9(_phq(3, 3, 3, 3, 3, 3, 3, 3, 3)) == Score(27, "severe", True)
    assert phq9(_phq(3, 3, 3, 3, 3, 2, 0, 0, 0)) == Score(17, "moderately-severe", True)
    assert phq9(_phq(1, 1, 1)) is None


def test_phq9_item_nine_is_read_on_its_own() -> None:
    assert phq9_item9(_phq(0, 0, 0, 0, 0, 0, 0, 0, 2)) == 2
    assert phq9_item9(_phq(3, 3, 3, 3, 3, 3, 3, 3, 0)) == 0


@pytest.mark.parametrize(("recall", "clock", "total", "positive"), [
    (0, "clock-normal", 2, True), (1, "clock-abnormal", 1, True), (2, "clock-abnormal", 2, True),
    (1, "clock-normal", 3, False), (3, "clock-abnormal", 3, False), (3, "clock-normal", 5, False),
])  # fmt: skip
def test_mini_cog(recall: int, clock: str, total: int, positive: bool) -> None:
    score = mini_cog({"mc-recall": recall, "mc-clock": clock})
    assert score is not None and (score.value, score.positive) == (total, positive)


BARTHEL_INDEPENDENT = {"bi-feeding": "feeding-10", "bi-bathing": "bathing-5",
                       "bi-grooming": "grooming-5", "bi-dressing": "dressing-10",
                       "bi-bowels": "bowels-10", "bi-bladder": "bladder-10",
                       "bi-toilet": "toilet-10", "bi-transfers": "transfers-15",
                       "bi-mobility": "mobility-15", "bi-stairs": "stairs-10"}  # fmt: skip


def test_barthel_bands() -> None:
    assert barthel(BARTHEL_INDEPENDENT) == Score(100, "independent", False)
    severe = {**BARTHEL_INDEPENDENT, "bi-feeding": "feeding-5", "bi-bathing": "bathing-0",
              "bi-grooming": "grooming-0", "bi-dressing": "dressing-5",
              "bi-bladder": "bladder-5", "bi-toilet": "toilet-5", "bi-transfers": "transfers-10",
              "bi-mobility": "mobility-10", "bi-stairs": "stairs-0"}  # fmt: skip
    # 5 + 0 + 0 + 5 + 10 + 5 + 5 + 10 + 10 + 0 = 50
    assert barthel(severe) == Score(50, "severe", True)
    slight = {**BARTHEL_INDEPENDENT, "bi-stairs": "stairs-5"}
    assert barthel(slight) == Score(95, "slight", False)
    assert barthel({**BARTHEL_INDEPENDENT, "bi-stairs": None}) is None


def test_iadl_counts_the_activities_done_without_help() -> None:
    keys = ("telephone", "shopping", "food", "housekeeping", "laundry", "transport",
            "medications", "finances")  # fmt: skip
    independent = {f"iadl-{k}": f"{k}-1" for k in keys}
    assert iadl(independent) == Score(8, "independent", False)
    two_need_help = {**independent, "iadl-shopping": "shopping-0", "iadl-finances": "finances-0"}
    assert iadl(two_need_help) == Score(6, "needs-help", True)
    assert iadl({k: v for k, v in independent.items() if k != "iadl-food"}) is None


def test_falls_any_key_question_is_at_risk() -> None:
    none = {"fall-past-year": False, "fall-unsteady": False, "fall-worry": False}
    assert falls(none) == Score(0, "no-fall-risk", False)
    assert falls({**none, "fall-worry": True}) == Score(1, "fall-risk", True)
    assert falls({**none, "fall-past-year": True, "fall-unsteady": True}).value == 2  # type: ignore[union-attr]
    assert falls({"fall-past-year": True}) is None
