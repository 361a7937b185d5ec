"""A monthly report as a FHIR R4 `MeasureReport` (https://hl7.org/fhir/R4/measurereport.html):
`type` summary, `measure` the programme's Measure canonical
(`https://hoso.vn/fhir/Measure/programme-<code>`), `period` the month, `subject` the ward
(a Location by its 2025 ward code; none for the city). The first group counts the
enrolled residents (initial-population); then one group per indicator with its
numerator, denominator and `measureScore` (the proportion), each cut by age band and by
sex (`stratifier`). A population count is an integer in R4: a numerator that sums
numbers is rounded, and a denominator that is not known is left out (no score).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hoso.core import clock
from hoso.programmes.reports.monthly import IndicatorResult, MonthlyReport, Stratum

__all__ = ["MEASURE_BASE", "measure_report"]

MEASURE_BASE = "https://hoso.vn/fhir/Measure/programme-"
WARD_SYSTEM = "https://hoso.vn/fhir/sid/ward-2025"
_POP = "http://terminology.hl7.org/CodeSystem/measure-population"
_STRATA = "https://hoso.vn/fhir/CodeSystem/report-stratifier"
_INDICATOR = "https://hoso.vn/fhir/CodeSystem/programme-indicator"
_STRATA_NAMES = {"age-band": "Nhóm tuổi / Age band", "sex": "Giới tính / Sex"}


def _population(code: str, count: float | None) -> dict[str, Any] | None:
    if count is None:
        return None
    return {"code": {"coding": [{"system": _POP, "code": code}]}, "count": round(count)}


def _populations(numerator: float, denominator: float | None) -> list[dict[str, Any]]:
    found = [_population("numerator", numerator), _population("denominator", denominator)]
    return [p for p in found if p is not None]


def _score(numerator: float, denominator: float | None) -> dict[str, Any] | None:
    if not denominator:
        return None
    return {"value": round(numerator / denominator, 4)}


def _stratifiers(strata: tuple[Stratum, ...]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for by in ("age-band", "sex"):
        cells = [s for s in strata if s.by == by]
        if not cells:
            continue
        stratum = []
        for s in cells:
            item: dict[str, Any] = {
                "value": {"text": s.value},
                "population": _populations(s.numerator, s.denominator),
            }
            if (score := _score(s.numerator, s.denominator)) is not None:
                item["measureScore"] = score
            stratum.append(item)
        found.append({"code": [{"coding": [{"system": _STRATA, "code": by}],
                                "text": _STRATA_NAMES[by]}], "stratum": stratum})  # fmt: skip
    return found


def _group(result: IndicatorResult, programme: str) -> dict[str, Any]:
    ind = result.indicator
    name = f"{ind.name.get('vi', ind.code)} / {ind.name.get('en', ind.code)}"
    group: dict[str, Any] = {
        "code": {"coding": [{"system": f"{_INDICATOR}/{programme}", "code": ind.code}],
                 "text": name},
        "population": _populations(result.numerator, result.denominator),
        "stratifier": _stratifiers(result.strata),
    }  # fmt: skip
    if (score := _score(result.numerator, result.denominator)) is not None:
        group["measureScore"] = score
    return group


def _count_strata(counts: Mapping[str, int], by: str) -> dict[str, Any]:
    return {"code": [{"coding": [{"system": _STRATA, "code": by}], "text": _STRATA_NAMES[by]}],
            "stratum": [{"value": {"text": v},
                         "population": [_population("initial-population", n)]}
                        for v, n in sorted(counts.items())]}  # fmt: skip


def measure_report(report: MonthlyReport, *, ward_name: str | None = None,
                   generated: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    enrolled = {
        "code": {"coding": [{"system": f"{_INDICATOR}/{report.programme}", "code": "enrolled"}],
                 "text": "Số người đăng ký quản lý / Residents enrolled"},
        "population": [_population("initial-population", report.enrolled)],
        "stratifier": [_count_strata(report.by_band, "age-band"),
                       _count_strata(report.by_sex, "sex")],
    }  # fmt: skip
    found: dict[str, Any] = {
        "resourceType": "MeasureReport",
        "id": f"{report.programme}-{report.start:%Y-%m}-{report.ward or 'city'}"[:64],
        "status": "complete",
        "type": "summary",
        "measure": f"{MEASURE_BASE}{report.programme}",
        "date": clock.fhir_instant(generated or clock.now()),
        "period": {"start": report.start.isoformat(), "end": report.end.isoformat()},
        "group": [enrolled, *(_group(r, report.programme) for r in report.indicators)],
    }
    if report.ward is not None:
        ward = {"system": WARD_SYSTEM, "value": report.ward}
        found["subject"] = {"type": "Location", "display": ward_name or report.ward,
                            "identifier": ward}  # fmt: skip
    return found
