"""WHO ICOPE step 1: which intrinsic-capacity domains a screening finds positive, by the
cut-offs in `data/elderly.json` ("step1.domains", each with its source).

A domain is positive when any of its criteria holds (e.g. chair rise > 14 s, or unable);
negative when its items were answered and none holds; None (not assessed) when none of
its items was answered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hoso.programmes.packaged import packaged_document

__all__ = ["Domain", "domains", "evaluate_step1"]


@dataclass(frozen=True, slots=True)
class Domain:
    code: str
    label: Mapping[str, str]
    criteria: tuple[Mapping[str, Any], ...]
    step2: tuple[str, ...]
    source: str


def domains(config: Mapping[str, Any] | None = None) -> tuple[Domain, ...]:
    step1 = (config or packaged_document("elderly.json"))["step1"]
    return tuple(Domain(d["code"], d["label"], tuple(d["positive"]), tuple(d["step2"]),
                        d["source"]) for d in step1["domains"])  # fmt: skip


def _holds(criterion: Mapping[str, Any], value: Any) -> bool:
    if "equals" in criterion:  # a boolean answer equals only a boolean (True is not 1)
        wanted = criterion["equals"]
        return type(value) is type(wanted) and value == wanted
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    if "below" in criterion:
        return value < criterion["below"]
    return "above" in criterion and value > criterion["above"]


def evaluate_step1(answers: Mapping[str, Any], all_domains: Sequence[Domain] | None = None
                   ) -> dict[str, bool | None]:  # fmt: skip
    """Domain code → positive (True), negative (False) or not assessed (None)."""
    result: dict[str, bool | None] = {}
    for domain in all_domains or domains():
        answered = [c for c in domain.criteria if answers.get(c["item"]) is not None]
        if not answered:
            result[domain.code] = None
            continue
        result[domain.code] = any(_holds(c, answers[c["item"]]) for c in answered)
    return result
