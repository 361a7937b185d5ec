"""What the daily job needs to know of each disease, behind a Protocol: the lead's
disease definitions (ph_disease, issue 18 point 1) will answer it; until they do,
`DefaultCatalogue` gives every enabled disease code the city's simple view and the
focus rule below.

Defaults and their sources:
- dengue: a focus (ổ dịch) is 2 or more cases in 14 days in one place, handled within
  48 hours (Bộ Y tế, QĐ 3705/QĐ-BYT 2019, hướng dẫn giám sát và phòng chống SXHD);
- others: 3 cases in 14 days, 48 hours, until their definitions say otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["DefaultCatalogue", "DetectionMethod", "DiseaseCatalogue", "DiseaseRule"]


@dataclass(frozen=True, slots=True)
class DetectionMethod:
    method: str  # "four-week"; "farrington", "noufaily", "ears-c1"… when merged
    params: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DiseaseRule:
    code: str
    name_vi: str
    name_en: str
    methods: tuple[DetectionMethod, ...]
    focus_cases: int  # a focus is suggested when N cases …
    focus_days: int  # … fall in one ward within T days
    response_hours: int  # a focus's response deadline
    serial_interval: tuple[float, float] | None = None  # mean, sd in days (for R_t)


class DiseaseCatalogue(Protocol):
    def enabled(self) -> Sequence[DiseaseRule]: ...
    def rule(self, code: str) -> DiseaseRule | None: ...


_NAMES = {
    "dengue": ("Sốt xuất huyết Dengue", "Dengue", 2, 14, 48, (15.0, 5.0)),
    "hfmd": ("Tay chân miệng", "Hand, foot and mouth disease", 3, 14, 48, (4.0, 2.0)),
    "measles": ("Sởi", "Measles", 2, 21, 48, (11.7, 2.0)),
    "influenza": ("Cúm", "Influenza", 3, 7, 48, (2.6, 1.5)),
    "covid19": ("COVID-19", "COVID-19", 3, 14, 48, (5.2, 1.7)),
}
CITY_VIEW = DetectionMethod("four-week", {"threshold_percent": 150.0, "min_count": 3})


class DefaultCatalogue:
    """Each enabled code with the simple view and the defaults above (names: the code
    itself for diseases not listed)."""

    def __init__(self, codes: Iterable[str]) -> None:
        self._rules = {code: self._default(code) for code in codes}

    @staticmethod
    def _default(code: str) -> DiseaseRule:
        vi, en, cases, days, hours, si = _NAMES.get(code, (code, code, 3, 14, 48, None))
        return DiseaseRule(code, vi, en, (CITY_VIEW,), cases, days, hours, si)

    def enabled(self) -> Sequence[DiseaseRule]:
        return list(self._rules.values())

    def rule(self, code: str) -> DiseaseRule | None:
        return self._rules.get(code)
