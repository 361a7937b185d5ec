"""The register of dependent and bedridden older people, for home visits.

A resident is on it from the latest evidence on or before the day: a Barthel Index
(≤ 60 dependent, ≤ 20 bedridden: `data/elderly.json` instruments.barthel) or a station
nurse's hand-set answer ("dependent" / "bedridden" on the health-check or home-visit
form). The most recent one wins, so a nurse can take someone off the register who has
recovered since their last Barthel, and a new Barthel overrides an old judgement; on
the same day either one puts the resident on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hoso.programmes.elderly.answers import answers_to, latest
from hoso.programmes.elderly.scores import barthel
from hoso.programmes.framework import Record
from hoso.programmes.packaged import FORM_BASE, packaged_document

__all__ = ["HAND_SET_FORMS", "Dependency", "dependency"]

HAND_SET_FORMS = ("elderly-health-check", "elderly-home-visit")


@dataclass(frozen=True, slots=True)
class Dependency:
    dependent: bool
    bedridden: bool
    source: str | None  # "barthel" | "hand-set" | "barthel+hand-set" | None
    since: date | None
    barthel: int | None = None


def _hand_set(record: Record, today: date) -> tuple[date, bool, bool] | None:
    found = None
    for form in HAND_SET_FORMS:
        for answers in answers_to(record, FORM_BASE + form, today):
            flags = answers.get("dependent"), answers.get("bedridden")
            if all(flag is None for flag in flags):
                continue  # a visit that did not assess dependency says nothing about it
            if found is None or answers.day >= found[0]:
                found = (answers.day, flags[0] is True or flags[1] is True, flags[1] is True)
    return found


def dependency(record: Record, today: date) -> Dependency:
    cut = packaged_document("elderly.json")["instruments"]["barthel"]
    last = latest(record, FORM_BASE + "barthel", today)
    score = barthel(last.values) if last else None
    by_score = None
    if last and score:
        by_score = (last.day, score.value <= cut["dependent_at_most"],
                    score.value <= cut["bedridden_at_most"])  # fmt: skip
    by_hand = _hand_set(record, today)
    value = score.value if score else None
    if by_score is None and by_hand is None:
        return Dependency(False, False, None, None, value)
    if by_hand is None or (by_score is not None and by_score[0] > by_hand[0]):
        return Dependency(by_score[1], by_score[2], "barthel", by_score[0], value)  # type: ignore[index]
    if by_score is None or by_hand[0] > by_score[0]:
        return Dependency(by_hand[1], by_hand[2], "hand-set", by_hand[0], value)
    return Dependency(by_hand[1] or by_score[1], by_hand[2] or by_score[2], "barthel+hand-set",
                      by_hand[0], value)  # fmt: skip
