"""In-memory rows and a catalogue for the pure tests of `hoso.publichealth` (the SQL
itself is tested in tests/store/test_publichealth_series.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from hoso.publichealth.disease_rules import CITY_VIEW, DetectionMethod, DiseaseRule
from hoso.publichealth.series.weeks import monday
from tests.publichealth.case_rows import Case


class MemoryRows:
    def __init__(self, cases: Iterable[Case] = (), population: dict[str, int] | None = None):
        self.cases = list(cases)
        self.people = population or {}
        self.alarms: dict[tuple[object, ...], dict[str, object]] = {}
        self.foci_made: list[dict[str, Any]] = []
        self.queries: list[dict[str, Any]] = []

    def counts(self, *, basis: str, interval: str, first: str, last: str,
               classifications: Sequence[str], disease: str | None = None,
               wards: Any = None) -> list[tuple[str, str | None, str, int]]:  # fmt: skip
        self.queries.append({"basis": basis, "interval": interval, "first": first,
                             "last": last})  # fmt: skip
        found: Counter[tuple[str, str | None, str]] = Counter()
        for c in self.cases:
            on = c.onset if basis == "onset" else (c.report or c.onset)
            if not first <= on <= last or c.classification not in classifications:
                continue
            if c.classification == "discarded" or (disease and c.disease != disease):
                continue
            period = on if interval == "day" else monday(date.fromisoformat(on)).isoformat()
            found[(c.disease, c.ward, period)] += 1
        return [(d, w, p, n) for (d, w, p), n in found.items()]

    def population(self, year: int) -> dict[str, int]:
        return dict(self.people)

    def add_signals(self, alarms: Iterable[dict[str, object]], now: int) -> int:
        added = 0
        for alarm in alarms:
            key = (alarm["disease"], alarm["ward"], alarm["week"], alarm["method"])
            if key not in self.alarms:
                self.alarms[key] = alarm
                added += 1
        return added

    def standing_foci(self) -> dict[tuple[str, str], str]:
        return {(f["disease"], f["ward"]): f["last_case_date"] for f in self.foci_made}

    def add_focus(self, **values: Any) -> int:
        self.foci_made.append(values)
        return len(self.foci_made)


def rule(code: str = "dengue", *, methods: Sequence[DetectionMethod] | None = None,
         cases: int = 2, days: int = 14) -> DiseaseRule:  # fmt: skip
    chosen = tuple(methods or (DetectionMethod("four-week", {"threshold_percent": 150.0,
                                                             "min_count": 3}),))  # fmt: skip
    return DiseaseRule(code, code, code, chosen, cases, days, 48, (15.0, 5.0))


class FakeCatalogue:
    def __init__(self, *rules: DiseaseRule) -> None:
        self.rules = {r.code: r for r in rules}

    def enabled(self) -> Sequence[DiseaseRule]:
        return list(self.rules.values())

    def rule(self, code: str) -> DiseaseRule | None:
        return self.rules.get(code)


def weekly_cases(disease: str, ward: str, last_monday: date, counts: Sequence[int]
                 ) -> list[Case]:  # fmt: skip
    """`counts[i]` cases in the week `len(counts) - 1 - i` weeks before `last_monday`."""
    cases = []
    for i, n in enumerate(counts):
        day = last_monday - timedelta(weeks=len(counts) - 1 - i) + timedelta(days=2)
        cases += [Case(disease, ward, day.isoformat())] * n
    return cases


# A catalogue for the tests of the job's mechanics: every code with the city's view only
# and fixed focus rules (production reads the definitions: `DefinitionRules`).
_NAMES = {
    "dengue": ("Sốt xuất huyết Dengue", "Dengue", 2, 14, 48, (15.0, 5.0)),
    "hfmd": ("Tay chân miệng", "Hand, foot and mouth disease", 3, 14, 48, (4.0, 2.0)),
    "measles": ("Sởi", "Measles", 2, 21, 48, (11.7, 2.0)),
    "influenza": ("Cúm", "Influenza", 3, 7, 48, (2.6, 1.5)),
    "covid19": ("COVID-19", "COVID-19", 3, 14, 48, (5.2, 1.7)),
}


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
