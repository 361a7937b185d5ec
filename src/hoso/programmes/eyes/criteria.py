"""The screening criteria as data (`programmes/data/eyes-screening.json`): the acuity
cut-off, the myopia thresholds, the referral's lapse, the school year — each with the
source it was taken from (or marked a house assumption)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from hoso.core.errors import InvalidRequest

__all__ = ["Criteria", "load_criteria", "packaged_criteria", "school_year_of"]


@dataclass(frozen=True, slots=True)
class Criteria:
    version: str
    fail_above_logmar: float
    screen_on: str  # presenting | uncorrected: which acuity decides pass/fail
    myopia_se_at_most: float
    high_myopia_se_at_most: float
    lapse_days: int
    year_starts: tuple[int, int]  # (month, day)
    sources: dict[str, str]

    def school_year(self, day: date) -> str:
        return school_year_of(day, self.year_starts)

    def year_start(self, day: date) -> date:
        first = int(self.school_year(day)[:4])
        return date(first, *self.year_starts)


def school_year_of(day: date, starts: tuple[int, int] = (9, 1)) -> str:
    """ "2026-2027" for any day from the start of that school year to the day before the next."""
    first = day.year if (day.month, day.day) >= starts else day.year - 1
    return f"{first}-{first + 1}"


def load_criteria(document: dict[str, Any]) -> Criteria:
    try:
        acuity, myopia = document["acuity"], document["myopia"]
        month, day = (int(p) for p in str(document["school_year"]["starts"]).split("-"))
        made = Criteria(
            version=str(document["version"]),
            fail_above_logmar=float(acuity["fail_above_logmar"]),
            screen_on=str(acuity.get("screen_on", "presenting")),
            myopia_se_at_most=float(myopia["myopia_se_at_most"]),
            high_myopia_se_at_most=float(myopia["high_myopia_se_at_most"]),
            lapse_days=int(document["referral"]["lapse_days"]),
            year_starts=(month, day),
            sources={k: str(document[k]["source"]) for k in
                     ("acuity", "myopia", "referral", "school_year")},
        )  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidRequest(f"Tiêu chí sàng lọc mắt sai / invalid eye criteria: {exc}") from None
    if made.screen_on not in ("presenting", "uncorrected") or not 1 <= made.lapse_days <= 730:
        raise InvalidRequest(
            "Tiêu chí sàng lọc mắt sai / invalid eye criteria: screen_on, lapse_days"
        )
    if not all(made.sources.values()):
        raise InvalidRequest("Mỗi ngưỡng cần nguồn / every cut-off needs its source")
    return made


@cache
def packaged_criteria() -> Criteria:
    text = resources.files("hoso.programmes").joinpath("data", "eyes-screening.json").read_text(
        encoding="utf-8")  # fmt: skip
    return load_criteria(json.loads(text))
