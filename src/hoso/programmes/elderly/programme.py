"""The programme for older people (≥ 60; code "elderly"): the yearly WHO ICOPE step 1
screening, the step 2 assessments a positive domain calls for, the yearly health check
(QĐ 1579/QĐ-TTg targets), and home visits for the dependent and bedridden.

Everything is read from the resident's record: QuestionnaireResponses to the forms in
`data/forms/` (ICOPE step 1, SPPB, MNA-SF, Mini-Cog, PHQ-9, Barthel, health check, home
visit). Cut-offs, intervals and targets are `data/elderly.json`, each with its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from hoso.programmes.cadence import month_start, status_on
from hoso.programmes.elderly.answers import Answers, answers_to, latest
from hoso.programmes.elderly.icope import evaluate_step1
from hoso.programmes.elderly.register import Dependency, dependency
from hoso.programmes.elderly.scores import SCORERS, phq9_item9
from hoso.programmes.framework import Assessment, DueItem, IndicatorDef, Record
from hoso.programmes.packaged import FORM_BASE, packaged_document, packaged_form

__all__ = ["ELDERLY", "ElderlyProgramme"]

# In the order a station uses them (the resident's view shows them in this order).
FORMS = ("icope-step1", "elderly-health-check", "elderly-home-visit", "sppb", "mna-sf",
         "mini-cog", "phq-9", "barthel", "iadl", "falls")  # fmt: skip
YEAR = 365
Measures = dict[str, bool | int | float | str | None]


def _first_due(record: Record, today: date) -> date:
    """Never done: due from the month the resident turned 60 or this month, whichever is
    later (a 75-year-old never screened is due now, not 15 years overdue)."""
    born = record.born
    if born is None:
        return month_start(today)
    try:
        sixty = born.replace(year=born.year + 60)
    except ValueError:  # born on 29 February
        sixty = date(born.year + 60, 3, 1)
    return max(sixty, month_start(today))


def _item(activity: str, label: Mapping[str, str], due: date, today: date, form: str | None,
          latest_day: date | None = None, **detail: Any) -> DueItem:  # fmt: skip
    return DueItem(activity, label, due, status_on(due, today, latest_day), latest_day,
                   FORM_BASE + form if form else None, detail)  # fmt: skip


def _recurring(record: Record, today: date, form: str, every: int, activity: str,
               label: Mapping[str, str]) -> tuple[DueItem, Answers | None]:  # fmt: skip
    last = latest(record, FORM_BASE + form, today)
    due = last.day + timedelta(days=every) if last else _first_due(record, today)
    return _item(activity, label, due, today, form,
                 last_done=last.day.isoformat() if last else None), last  # fmt: skip


@dataclass(frozen=True)
class ElderlyProgramme:
    code: str = "elderly"
    name: Mapping[str, str] = field(
        default_factory=lambda: {
            "vi": "Chăm sóc sức khỏe người cao tuổi",
            "en": "Health of older people",
        }
    )
    rule: str = "elderly"
    reads: tuple[str, ...] = ("QuestionnaireResponse",)
    forms: tuple[Mapping[str, Any], ...] = field(
        default_factory=lambda: tuple(packaged_form(f) for f in FORMS)
    )
    indicators: tuple[IndicatorDef, ...] = field(default_factory=lambda: INDICATORS)

    def assess(self, record: Record, today: date) -> Assessment:
        config = packaged_document("elderly.json")
        measures: Measures = {}
        due: list[DueItem] = []
        screen, step1 = _recurring(record, today, "icope-step1", config["step1"]["every_days"],
                                   "icope-step1", LABELS["icope-step1"])  # fmt: skip
        due.append(screen)
        found = evaluate_step1(step1.values) if step1 else {}
        due.extend(_step2_due(record, today, step1, found, config))
        check, last_check = _recurring(record, today, "elderly-health-check",
                                       config["health_check"]["every_days"], "health-check",
                                       LABELS["health-check"])  # fmt: skip
        due.append(check)
        measures.update(_screen_measures(step1, found, today))
        measures["checked_12m"] = bool(last_check and (today - last_check.day).days < YEAR)
        measures["has_record"] = any(answers_to(record, FORM_BASE + f, today) for f in FORMS)
        measures.update(_scores(record, today))
        state = dependency(record, today)
        measures.update(dependent=state.dependent, bedridden=state.bedridden,
                        dependency_source=state.source)  # fmt: skip
        due.extend(_home_visits(record, today, state, config, measures))
        due.extend(_urgent_review(record, today))
        return Assessment(tuple(due), measures, _summary(found, measures))


def _step2_due(record: Record, today: date, step1: Answers | None,
               found: Mapping[str, bool | None], config: Mapping[str, Any]
               ) -> list[DueItem]:  # fmt: skip
    """The assessments the last screening's positive domains call for, not yet done
    since it; each due a month after the screening, superseded by the next one."""
    if step1 is None:
        return []
    step2 = config["step2"]
    wanted: dict[str, list[str]] = {}
    for domain in config["step1"]["domains"]:
        if found.get(domain["code"]):
            for activity in domain["step2"]:
                wanted.setdefault(activity, []).append(domain["code"])
    items = []
    for activity, why in wanted.items():
        spec = step2["activities"][activity]
        form = spec["form"]
        if form and answers_to(record, FORM_BASE + form, today) and \
                latest(record, FORM_BASE + form, today).day >= step1.day:  # fmt: skip
            continue
        items.append(_item(activity, spec["label"],
                           step1.day + timedelta(days=step2["within_days"]), today, form,
                           step1.day + timedelta(days=config["step1"]["every_days"]),
                           domains=",".join(why), screened=step1.day.isoformat()))  # fmt: skip
    return items


def _screen_measures(step1: Answers | None, found: Mapping[str, bool | None],
                     today: date) -> Measures:  # fmt: skip
    measures: Measures = {"screened_12m": bool(step1 and (today - step1.day).days < YEAR)}
    positive = [code for code, flag in found.items() if flag]
    measures["icope_positive"] = len(positive)
    measures["icope_any_positive"] = bool(positive)
    measures["icope_domains"] = ",".join(positive)
    for code, flag in found.items():
        measures[f"icope_{code}"] = flag
    measures["screened_on"] = step1.day.isoformat() if step1 else None
    return measures


def _scores(record: Record, today: date) -> Measures:
    measures: Measures = {}
    for form, scorer in SCORERS.items():
        last = latest(record, FORM_BASE + form, today)
        score = scorer(last.values) if last else None
        key = form.replace("-", "_")
        measures[key] = score.value if score else None
        measures[f"{key}_category"] = score.category if score else None
        measures[f"{key}_positive"] = score.positive if score else None
    return measures


def _home_visits(record: Record, today: date, state: Dependency, config: Mapping[str, Any],
                 measures: Measures) -> list[DueItem]:  # fmt: skip
    visits = config["home_visits"]
    if not (state.dependent or state.bedridden):
        measures["home_visit_on_time"] = None
        return []
    every = visits["bedridden_every_days" if state.bedridden else "dependent_every_days"]
    item, last = _recurring(record, today, visits["form"], every, "home-visit",
                            LABELS["home-visit"])  # fmt: skip
    # what the register of the dependent and bedridden shows without reading the record
    item = replace(item, detail={**item.detail, "bedridden": state.bedridden,
                                 "barthel": state.barthel, "source": state.source,
                                 "since": state.since.isoformat() if state.since else None,
                                 "every_days": every})  # fmt: skip
    measures["home_visit_on_time"] = bool(last and (today - last.day).days <= every)
    return [item]


def _urgent_review(record: Record, today: date) -> list[DueItem]:
    last = latest(record, FORM_BASE + "phq-9", today)
    points = phq9_item9(last.values) if last else None
    if not points:
        return []
    return [_item("mental-health-review", LABELS["mental-health-review"], last.day, today,
                  None, phq9_item9=points)]  # fmt: skip


def _summary(found: Mapping[str, bool | None], measures: Measures) -> dict[str, str]:
    names = {d["code"]: d["label"] for d in packaged_document("elderly.json")["step1"]["domains"]}
    positive = [names[c] for c, flag in found.items() if flag]
    vi = [
        "ICOPE: "
        + (
            ", ".join(n["vi"] for n in positive)
            if positive
            else ("không có lĩnh vực dương tính" if found else "chưa sàng lọc")
        )
    ]
    en = ["ICOPE: " + (", ".join(n["en"] for n in positive) if positive else
                       ("no positive domain" if found else "not screened"))]  # fmt: skip
    if measures.get("barthel") is not None:
        vi.append(f"Barthel {measures['barthel']}")
        en.append(f"Barthel {measures['barthel']}")
    if measures.get("bedridden"):
        vi.append("nằm liệt giường")
        en.append("bedridden")
    elif measures.get("dependent"):
        vi.append("phụ thuộc")
        en.append("dependent")
    return {"vi": " · ".join(vi), "en": " · ".join(en)}


LABELS = {
    "icope-step1": {"vi": "Sàng lọc ICOPE bước 1 (hằng năm)",
                    "en": "ICOPE step 1 screening (yearly)"},
    "health-check": {"vi": "Khám sức khỏe định kỳ (hằng năm)", "en": "Yearly health check"},
    "home-visit": {"vi": "Thăm khám tại nhà", "en": "Home visit"},
    "mental-health-review": {"vi": "Đánh giá ngay: có ý nghĩ tự hại (PHQ-9 câu 9)",
                             "en": "Same-day review: thoughts of self-harm (PHQ-9 item 9)"},
}  # fmt: skip
_QD1579 = "QĐ 1579/QĐ-TTg 13/10/2020 §I.2 (data/elderly.json sources.QD1579)"
INDICATORS = (
    IndicatorDef("checked_12m", {"vi": "Người cao tuổi được khám sức khỏe định kỳ trong 12 tháng",
                                 "en": "Older people with a health check in the last 12 months"},
                 "checked_12m", "population", (60, 200), 0.70, _QD1579),
    IndicatorDef("has_record", {"vi": "Người cao tuổi được lập hồ sơ theo dõi sức khỏe",
                                "en": "Older people with a health-management record"},
                 "has_record", "population", (60, 200), 0.95, _QD1579),
    IndicatorDef("screened_12m", {"vi": "Được sàng lọc ICOPE trong 12 tháng",
                                  "en": "ICOPE screening in the last 12 months"},
                 "screened_12m"),
    IndicatorDef("icope_any_positive", {"vi": "Sàng lọc có ít nhất một lĩnh vực dương tính",
                                        "en": "Screened with at least one positive domain"},
                 "icope_any_positive", "screened_12m"),
    IndicatorDef("dependent", {"vi": "Người cao tuổi phụ thuộc hoặc nằm liệt giường",
                               "en": "Dependent or bedridden older people"}, "dependent"),
    IndicatorDef("home_visit_on_time", {"vi": "Người phụ thuộc được thăm tại nhà đúng hạn",
                                        "en": "Dependent people visited at home on time"},
                 "home_visit_on_time", "dependent"),
)  # fmt: skip

ELDERLY = ElderlyProgramme()
