"""Step 2 instruments scored with their published cut-offs (`data/elderly.json`
"instruments", each with its source): SPPB, MNA-SF, PHQ-9, Mini-Cog, the Barthel
Index, Lawton IADL and the STEADI falls questions. Item points of the coded instruments
come from the forms' `ordinalValue` extensions, so the form is the one place they are
written.

Each scorer takes a response's answers (`{linkId: value}`) and returns a `Score`, or
None when an item the score needs is missing (a partial score is not reported as if
complete).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from hoso.programmes.forms import items
from hoso.programmes.packaged import packaged_document, packaged_form

__all__ = ["SCORERS", "Score", "barthel", "falls", "iadl", "mini_cog", "mna_sf", "phq9", "sppb"]

ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
Answers = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Score:
    value: int
    category: str  # e.g. "moderate", "at-risk", "severe"
    positive: bool  # the instrument's cut-off for "needs care" is reached


def _cut(name: str) -> Mapping[str, Any]:
    return packaged_document("elderly.json")["instruments"][name]


@cache
def _points(form: str) -> dict[str, dict[str, int]]:
    """linkId → answer code → points, from the form's ordinalValue extensions."""
    table: dict[str, dict[str, int]] = {}
    for item in items(packaged_form(form)):
        for option in item.get("answerOption") or []:
            for ext in option.get("extension") or []:
                if ext.get("url") == ORDINAL:
                    code = option["valueCoding"]["code"]
                    table.setdefault(item["linkId"], {})[code] = int(ext["valueDecimal"])
    return table


def _sum(form: str, answers: Answers, links: list[str]) -> int | None:
    table, total = _points(form), 0
    for link in links:
        points = table[link].get(str(answers.get(link)))
        if points is None:
            return None
        total += points
    return total


def _number(answers: Answers, link: str) -> float | None:
    value = answers.get(link)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _band(value: float, bands: list[Mapping[str, Any]]) -> int:
    for band in bands:
        if ("below" in band and value < band["below"]) or (
                "at_least" in band and value >= band["at_least"]):  # fmt: skip
            return int(band["points"])
    return 0


def _timed(answers: Answers, seconds: str, unable: str, bands: list[Mapping[str, Any]]
           ) -> int | None:  # fmt: skip
    if answers.get(unable) is True:
        return 0
    value = _number(answers, seconds)
    return None if value is None else _band(value, bands)


def sppb(answers: Answers) -> Score | None:
    """Balance (side-by-side 1, semi-tandem 1, tandem 0-2) + 4 m gait 0-4 + five chair
    stands 0-4; a stand not held ends the balance test (the NIA protocol)."""
    cut = _cut("sppb")
    side = answers.get("bal-side")
    if not isinstance(side, bool):
        return None
    balance = 0
    if side:
        balance = 1
        semi = answers.get("bal-semi")
        if semi is None:
            return None
        if semi is True:
            tandem = _number(answers, "bal-tandem-seconds")
            if tandem is None:
                return None
            balance = 2 + _band(tandem, cut["tandem"])
    gait = _timed(answers, "gait-seconds", "gait-unable", cut["gait"])
    chair = _timed(answers, "chair-seconds", "chair-unable", cut["chair"])
    if gait is None or chair is None:
        return None
    total = balance + gait + chair
    limited = total < cut["limited_below"]
    return Score(total, "limited" if limited else "good", limited)


def mna_sf(answers: Answers) -> Score | None:
    """A-E plus F1 (BMI) or, only when there is no BMI, F2 (calf circumference)."""
    cut = _cut("mna-sf")
    f = "mna-f1" if answers.get("mna-f1") is not None else "mna-f2"
    total = _sum("mna-sf", answers, ["mna-a", "mna-b", "mna-c", "mna-d", "mna-e", f])
    if total is None:
        return None
    if total >= cut["normal_from"]:
        return Score(total, "normal", False)
    if total >= cut["at_risk_from"]:
        return Score(total, "at-risk", True)
    return Score(total, "malnourished", True)


def phq9(answers: Answers) -> Score | None:
    cut = _cut("phq-9")
    total = _sum("phq-9", answers, [f"phq-{k}" for k in range(1, 10)])
    if total is None:
        return None
    category = next(name for low, name in reversed(cut["bands"]) if total >= low)
    return Score(total, category, total >= cut["positive_from"])


def phq9_item9(answers: Answers) -> int | None:
    """Points on item 9 (thoughts of death or self-harm): above 0 needs a review today."""
    return _points("phq-9")["phq-9"].get(str(answers.get("phq-9")))


def mini_cog(answers: Answers) -> Score | None:
    recall = answers.get("mc-recall")
    clock = _points("mini-cog")["mc-clock"].get(str(answers.get("mc-clock")))
    if not isinstance(recall, int) or isinstance(recall, bool) or clock is None:
        return None
    total = recall + clock
    positive = total < _cut("mini-cog")["positive_below"]
    return Score(total, "positive" if positive else "negative", positive)


def barthel(answers: Answers) -> Score | None:
    cut = _cut("barthel")
    links = list(_points("barthel"))
    total = _sum("barthel", answers, links)
    if total is None:
        return None
    category = next(name for low, name in reversed(cut["bands"]) if total >= low)
    return Score(total, category, total <= cut["dependent_at_most"])


def iadl(answers: Answers) -> Score | None:
    """Lawton IADL 0-8; flagged when any activity needs help (HOUSE reading)."""
    total = _sum("iadl", answers, list(_points("iadl")))
    if total is None:
        return None
    positive = total < _cut("iadl")["full_score"]
    return Score(total, "needs-help" if positive else "independent", positive)


def falls(answers: Answers) -> Score | None:
    """STEADI's three key questions: the number answered yes (0-3); any yes is at risk."""
    flags = [answers.get(link) for link in _cut("falls")["key_questions"]]
    if not all(isinstance(flag, bool) for flag in flags):
        return None
    yes = sum(flags)
    return Score(yes, "fall-risk" if yes else "no-fall-risk", yes > 0)


SCORERS = {"sppb": sppb, "mna-sf": mna_sf, "phq-9": phq9, "mini-cog": mini_cog,
           "barthel": barthel, "iadl": iadl, "falls": falls}  # fmt: skip
