"""The school eye health programme ("school-eye") in the framework's shape: who is in it
(`data/rules/school-eye.json`), what is due for each child this school year (the
screening; following up an open eye-clinic referral), and the measures its indicators
count."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any, ClassVar

from hoso.programmes.eyes.criteria import Criteria, packaged_criteria
from hoso.programmes.eyes.history import DISPENSED, LAPSED, OPEN, progression, referrals
from hoso.programmes.framework import DUE, OVERDUE, Assessment, DueItem, IndicatorDef, Record
from hoso.programmes.rules import Rule, parse_rule

__all__ = ["SCHOOL_EYE", "SchoolEye", "school_eye_rule"]

_HOUSE = "HOUSE assumption, no source found"
INDICATORS = (
    IndicatorDef("screened", {"vi": "Đã sàng lọc thị lực năm học này (%)",
                              "en": "Screened this school year (%)"},
                 "screened_this_year", source=_HOUSE),
    IndicatorDef("failed", {"vi": "Không đạt sàng lọc (thị lực kém hơn 6/9) (%)",
                            "en": "Failed screening (worse than 6/9) (%)"},
                 "failed", "screened_this_year",
                 source="IAPB Standard School Eye Health Guidelines (cut-off 6/9)"),
    IndicatorDef("myopia", {"vi": "Tỷ lệ cận thị (SE ≤ −0,50 D) trong số đã đo khúc xạ (%)",
                            "en": "Myopia prevalence (SE ≤ −0.50 D) among refracted (%)"},
                 "myopia", "refracted", source="IMI 2019 (Flitcroft et al.)"),
    IndicatorDef("referred", {"vi": "Trẻ không đạt được chuyển khám mắt (%)",
                              "en": "Failing children referred to an eye clinic (%)"},
                 "referred", "failed", source=_HOUSE),
    IndicatorDef("glasses", {"vi": "Trẻ được chuyển đã nhận kính (%)",
                             "en": "Referred children with glasses dispensed (%)"},
                 "glasses_dispensed", "referred", source=_HOUSE),
)  # fmt: skip


@cache
def school_eye_rule() -> Rule:
    text = resources.files("hoso.programmes").joinpath("data", "rules", "school-eye.json")
    return parse_rule(json.loads(text.read_text(encoding="utf-8")))


class SchoolEye:
    code = "school-eye"
    name: ClassVar[dict[str, str]] = {"vi": "Sức khỏe mắt học đường (tật khúc xạ)",
                                      "en": "School eye health"}  # fmt: skip
    rule = "school-eye"
    reads = ("Observation", "ServiceRequest")
    forms: tuple[dict[str, Any], ...] = ()  # results are entered by class (the round screen)
    indicators = INDICATORS

    def __init__(self, criteria: Criteria | None = None) -> None:
        self.criteria = criteria or packaged_criteria()

    def assess(self, record: Record, today: date) -> Assessment:
        c = self.criteria
        start = c.year_start(today)
        visits = progression(record.of("Observation"))
        this_year = [v for v in visits if start <= v.day <= today]
        latest = this_year[-1] if this_year else None
        refracted = next((v for v in reversed(visits) if v.se), None)
        ses = list(refracted.se.values()) if refracted else []
        sent = [r for r in referrals(record.of("ServiceRequest"), c.lapse_days, today)
                if r.opened >= start]  # fmt: skip
        failed = bool(latest and latest.outcome == "fail")
        due: list[DueItem] = []
        if latest is None:
            due.append(DueItem("eye-screening", {"vi": "Sàng lọc thị lực năm học " +
                                                 c.school_year(today),
                                                 "en": "Vision screening " + c.school_year(today)},
                               start, DUE, latest=date(start.year + 1, *c.year_starts)
                               - timedelta(days=1)))  # fmt: skip
        for r in sent:
            if r.state in (OPEN, LAPSED):
                due.append(DueItem("eye-referral", {"vi": "Theo dõi chuyển khám mắt, cấp kính",
                                                    "en": "Follow up eye referral, glasses"},
                                   r.opened, OVERDUE if r.state == LAPSED else DUE,
                                   latest=r.lapse_on,
                                   detail={"service_request": r.id}))  # fmt: skip
        measures = {
            "screened_this_year": latest is not None, "failed": failed,
            "refracted": bool(ses), "myopia": bool(ses) and min(ses) <= c.myopia_se_at_most,
            "high_myopia": bool(ses) and min(ses) <= c.high_myopia_se_at_most,
            "referred": failed and bool(sent),
            "glasses_dispensed": any(r.state == DISPENSED for r in sent),
            "referral_lapsed": any(r.state == LAPSED for r in sent),
        }  # fmt: skip
        summary = {"vi": "Chưa sàng lọc năm học này" if latest is None else
                   ("Không đạt" if failed else "Đạt"),
                   "en": "Not screened this school year" if latest is None else
                   ("Failed" if failed else "Passed")}  # fmt: skip
        return Assessment(tuple(due), measures, summary)


SCHOOL_EYE = SchoolEye()
