"""A resident's answers to a programme form, read back from their
QuestionnaireResponses: `{linkId: value}` per completed response, oldest first.

Values come back as Python values (bool, int, float, str; a coded answer as its code),
so the cut-offs in `data/elderly.json` compare plain values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hoso.programmes.cadence import local_day
from hoso.programmes.framework import Record
from hoso.programmes.quantities import as_number

__all__ = ["Answers", "answers_to", "latest"]

_VALUE_KEYS = ("valueBoolean", "valueInteger", "valueDecimal", "valueString", "valueDate")


@dataclass(frozen=True, slots=True)
class Answers:
    """One completed response: its local day and its answers by linkId."""

    day: date
    values: Mapping[str, Any]

    def get(self, link: str) -> Any:
        return self.values.get(link)


def _value(answer: Mapping[str, Any]) -> Any:
    if "valueDecimal" in answer:  # a Decimal when read back from the store
        return as_number(answer["valueDecimal"])
    for key in _VALUE_KEYS:
        if key in answer:
            return answer[key]
    coding = answer.get("valueCoding")
    return coding.get("code") if isinstance(coding, Mapping) else None


def _flatten(items: Sequence[Any], into: dict[str, Any]) -> None:
    for item in items:
        if not isinstance(item, Mapping):
            continue
        answer = item.get("answer")
        if isinstance(answer, list) and answer and isinstance(answer[0], Mapping):
            into[str(item.get("linkId"))] = _value(answer[0])
        _flatten(item.get("item") or [], into)


def answers_to(record: Record, form_url: str, until: date | None = None) -> list[Answers]:
    """Completed responses to the form (canonical url, with or without `|version`) on or
    before `until`, oldest first; a response without a usable date is left out."""
    found = []
    for response in record.of("QuestionnaireResponse"):
        if response.get("status") not in ("completed", "amended"):
            continue
        if str(response.get("questionnaire") or "").split("|", 1)[0] != form_url:
            continue
        day = local_day(response.get("authored"))
        if day is None or (until is not None and day > until):
            continue
        values: dict[str, Any] = {}
        _flatten(response.get("item") or [], values)
        found.append(Answers(day, values))
    found.sort(key=lambda a: a.day)
    return found


def latest(record: Record, form_url: str, until: date | None = None) -> Answers | None:
    found = answers_to(record, form_url, until)
    return found[-1] if found else None
