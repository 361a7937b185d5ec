"""The data-quality scorecard: per rule, how many records it read and how many failed,
for the city, one facility or one ward, and the trend over the last runs.

Read from the snapshots the batch writes (`quality_score`), never recomputed, so a
trend is what each run saw. Who may see it: data stewards, public-health officers and
the operator; the numbers are counts, never records, but a ward's small counts still
say something about its residents, so residents and facility staff do not get them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hoso.core import clock
from hoso.core.errors import InvalidRequest
from hoso.fhir.store import QualityTables
from hoso.ingest.quality.model import DIMENSIONS
from hoso.ingest.quality.registry import all_rules, find_rule

__all__ = [
    "Scorecard",
    "check_filters",
    "read_scorecard",
    "ward_name",
]

MAX_RUNS = 52  # a year of weekly runs
_FACILITY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")
_WARD = re.compile(r"[0-9]{5}")
_RUNS = re.compile(r"[0-9]{1,4}")


@dataclass(frozen=True, slots=True)
class RuleScore:
    rule: str
    dimension: str
    title: str
    checked: int
    failing: int
    findings: int

    @property
    def rate(self) -> float:
        """Share of the records read that failed the rule."""
        return self.failing / self.checked if self.checked else 0.0


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    checked: int
    failing: int

    @property
    def passed(self) -> float:
        """Share of rule checks passed, over every rule."""
        return 1 - self.failing / self.checked if self.checked else 1.0


@dataclass(frozen=True, slots=True)
class RunPoint:
    run_id: int
    finished_us: int
    rates: dict[str, float]  # rule → failing / checked


@dataclass
class Scorecard:
    facility: str | None
    ward: str | None
    run_id: int | None = None  # latest finished run
    finished_us: int | None = None
    rules: list[RuleScore] = field(default_factory=list)
    facilities: list[Place] = field(default_factory=list)
    wards: list[Place] = field(default_factory=list)
    trend: list[RunPoint] = field(default_factory=list)  # oldest first

    def to_json(self) -> dict[str, Any]:
        def when(us: int) -> dict[str, str]:
            moment = clock.from_us(us)
            return {"instant": clock.fhir_instant(moment), "display": clock.local_display(moment)}

        return {
            "facility": self.facility,
            "ward": self.ward,
            "wardName": ward_name(self.ward) if self.ward else None,
            "run": None if self.run_id is None else {"id": self.run_id,
                                                     **when(self.finished_us or 0)},
            "rules": [{"rule": r.rule, "dimension": r.dimension, "title": r.title,
                       "checked": r.checked, "failing": r.failing, "findings": r.findings,
                       "rate": round(r.rate, 4)} for r in self.rules],
            "facilities": [_place_json(p) for p in self.facilities],
            "wards": [_place_json(p) for p in self.wards],
            "trend": [{"run": p.run_id, **when(p.finished_us),
                       "rates": {k: round(v, 4) for k, v in p.rates.items()}}
                      for p in self.trend],
        }  # fmt: skip


def _place_json(place: Place) -> dict[str, Any]:
    return {"code": place.code, "name": place.name, "checked": place.checked,
            "failing": place.failing, "passed": round(place.passed, 4)}  # fmt: skip


def check_filters(
    facility: str | None, ward: str | None, runs: str | int | None = None
) -> tuple[str | None, str | None, int]:
    """The filters as given, or a bilingual `InvalidRequest` (400) saying what is wrong."""
    facility = facility.strip() if facility else None
    ward = ward.strip() if ward else None
    if facility is not None and not _FACILITY.fullmatch(facility):
        raise InvalidRequest(
            f"Mã cơ sở không hợp lệ: '{facility[:70]}' (chữ, số, tối đa 64 ký tự) / Invalid "
            f"facility code: '{facility[:70]}' (letters and digits, at most 64)",
            expression=["facility"],
        )
    if ward is not None and not _WARD.fullmatch(ward):
        raise InvalidRequest(
            f"Mã phường/xã phải gồm 5 chữ số (mã Tổng cục Thống kê), nhận được '{ward[:70]}' / "
            f"A ward code is 5 digits (NSO code), got '{ward[:70]}'",
            expression=["ward"],
        )
    count = 12 if runs in (None, "") else runs
    if isinstance(count, str):
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        count = int(count) if _RUNS.fullmatch(count.strip()) else -1
    if not 1 <= count <= MAX_RUNS:
        raise InvalidRequest(
            f"Số lần chạy phải từ 1 đến {MAX_RUNS} / runs must be 1 to {MAX_RUNS}",
            expression=["runs"],
        )
    return facility, ward, count


@cache
def ward_name(code: str) -> str:
    """The official name of an NSO ward code, or the code when unknown."""
    from vietnam_provinces import Ward, WardCode

    try:
        return " ".join(Ward.from_code(WardCode(int(code))).name.split())
    except ValueError:
        return code


def read_scorecard(
    tables: QualityTables, facility: str | None = None, ward: str | None = None, runs: int = 12
) -> Scorecard:
    """The scorecard of the latest finished run, with `runs` runs of trend."""
    card = Scorecard(facility, ward)
    latest = tables.latest_runs(runs)
    if not latest:
        return card
    card.run_id, card.finished_us = latest[0][0], latest[0][1]
    finished = {run_id: done for run_id, done, _, _ in latest}
    rows = tables.scores(list(finished), facility, ward)
    by_place = {
        by: tables.breakdown(card.run_id, by, facility, ward) for by in ("facility", "ward")
    }
    titles = {r.code: r for r in all_rules()}
    for score in (s for s in rows if s.run_id == card.run_id):
        known = titles.get(score.rule) or find_rule(score.rule)
        title = known.title if known is not None else score.rule
        dimension = score.rule.split("-", 1)[0]
        card.rules.append(RuleScore(score.rule, dimension, title, score.checked,
                                    score.failing, score.findings))  # fmt: skip
    order = list(DIMENSIONS)
    card.rules.sort(key=lambda r: (order.index(r.dimension) if r.dimension in order else 9, r.rule))
    for run_id in sorted(finished):
        rates = {s.rule: s.failing / s.checked for s in rows if s.run_id == run_id and s.checked}
        card.trend.append(RunPoint(run_id, finished[run_id], rates))
    card.facilities = [Place(code, code or "—", c, f) for code, c, f, _ in by_place["facility"]]
    card.wards = [
        Place(code, ward_name(code) if code else "—", c, f) for code, c, f, _ in by_place["ward"]
    ]
    return card
