"""ICOPE step 1 domains against the WHO screening tool's cut-offs, worked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from hoso.programmes.elderly.icope import evaluate_step1
from hoso.programmes.forms import FormError
from tests.builders.programmes import response

HEALTHY: dict[str, Any] = {
    "cog-recall": 3, "cog-date": True, "cog-place": True,
    "mob-chair-seconds": 10.5, "nut-weight-loss": False, "nut-appetite": False,
    "vis-problem": False, "hear-whisper": True, "dep-down": False, "dep-interest": False,
}  # fmt: skip


def _with(**changes: Any) -> dict[str, Any]:
    answers = dict(HEALTHY)
    for key, value in changes.items():
        answers[key.replace("_", "-")] = value
    return answers


def test_a_healthy_screen_has_no_positive_domain() -> None:
    assert evaluate_step1(HEALTHY) == {"cognition": False, "mobility": False,
                                       "nutrition": False, "vision": False, "hearing": False,
                                       "depressive": False}  # fmt: skip


@pytest.mark.parametrize(("seconds", "positive"), [(13.9, False), (14.0, False), (14.1, True)])
def test_chair_rise_is_positive_only_above_14_seconds(seconds: float, positive: bool) -> None:
    assert evaluate_step1(_with(mob_chair_seconds=seconds))["mobility"] is positive


def test_unable_to_rise_is_positive_without_a_time() -> None:
    answers = _with(mob_chair_unable=True)
    del answers["mob-chair-seconds"]
    assert evaluate_step1(answers)["mobility"] is True


@pytest.mark.parametrize("changes", [{"cog_recall": 2}, {"cog_date": False},
                                     {"cog_place": False}])  # fmt: skip
def test_cognition_is_positive_on_two_words_or_a_wrong_orientation(changes: dict) -> None:
    assert evaluate_step1(_with(**changes))["cognition"] is True


def test_each_other_domain_has_its_own_trigger() -> None:
    assert evaluate_step1(_with(nut_weight_loss=True))["nutrition"] is True
    assert evaluate_step1(_with(nut_appetite=True))["nutrition"] is True
    assert evaluate_step1(_with(vis_problem=True))["vision"] is True
    assert evaluate_step1(_with(hear_whisper=False))["hearing"] is True
    found = evaluate_step1(_with(dep_interest=True))
    assert found["depressive"] is True
    assert [d for d, flag in found.items() if flag] == ["depressive"]


def test_a_domain_with_no_answer_is_not_assessed_rather_than_negative() -> None:
    answers = dict(HEALTHY)
    del answers["mob-chair-seconds"]
    assert evaluate_step1(answers)["mobility"] is None


def test_the_form_refuses_an_impossible_answer() -> None:
    with pytest.raises(FormError, match="cog-recall"):
        response("icope-step1", _with(cog_recall=4), "2026-03-10")
    with pytest.raises(FormError, match="dep-down"):
        response("icope-step1", {k: v for k, v in HEALTHY.items() if k != "dep-down"},
                 "2026-03-10")  # fmt: skip


def test_answers_read_back_from_the_store_as_decimals_are_scored() -> None:
    from hoso.core import jsonx
    from hoso.programmes.elderly.answers import latest
    from hoso.programmes.packaged import FORM_BASE
    from tests.builders.programmes import record

    stored = jsonx.loads(jsonx.dumps(response("icope-step1", _with(mob_chair_seconds=14.5),
                                              "2026-03-10")))  # fmt: skip
    answers = latest(record("1950-01-01", stored), FORM_BASE + "icope-step1")
    assert answers is not None and evaluate_step1(answers.values)["mobility"] is True
