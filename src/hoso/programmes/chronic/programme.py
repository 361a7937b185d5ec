"""The chronic-disease registers of a ward health station: hypertension (code
"hypertension") and diabetes ("diabetes"). Enrolment is the rule in
`data/rules/<code>.json` (a diagnosis, or measurements); this module says, for an
enrolled resident on a day, what is due (the monthly visit, HbA1c twice a year, a
referral), whether they are under management (a visit in the last 3 months) and
controlled at their last visit, and which drugs they are on. Targets, cadence and
referral thresholds are `data/chronic.json`, each with its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hoso.programmes.cadence import local_day, month_start, status_on
from hoso.programmes.chronic.control import Control, bp_control, glycaemic_control
from hoso.programmes.chronic.drugs import current_drugs
from hoso.programmes.chronic.readings import Readings, readings
from hoso.programmes.framework import Assessment, DueItem, IndicatorDef, Record
from hoso.programmes.packaged import FORM_BASE, packaged_document, packaged_form
from hoso.programmes.rules import icd10_of, in_ranges

__all__ = ["DIABETES", "HYPERTENSION", "ChronicProgramme"]

Measures = dict[str, bool | int | float | str | None]
_RANGES = {"hypertension": (("I10", "I15"),), "diabetes": (("E10", "E14"),)}
_NAMES = {
    "hypertension": {"vi": "Quản lý tăng huyết áp", "en": "Hypertension register"},
    "diabetes": {"vi": "Quản lý đái tháo đường", "en": "Diabetes register"},
}
_VISIT = {
    "hypertension": ("bp-visit", {"vi": "Khám quản lý tăng huyết áp (hằng tháng)",
                                  "en": "Hypertension follow-up (monthly)"}),
    "diabetes": ("dm-visit", {"vi": "Khám quản lý đái tháo đường (hằng tháng)",
                              "en": "Diabetes follow-up (monthly)"}),
}  # fmt: skip
_HBA1C = {"vi": "Xét nghiệm HbA1c (6 tháng/lần)", "en": "HbA1c test (every 6 months)"}
_REFER = {"vi": "Chuyển tuyến trên", "en": "Refer to the district hospital"}


def _visit_days(record: Record, form_url: str, control: Control, until: date) -> list[date]:
    """Days of a station visit (a response to the visit form) or a reading."""
    days = {control.last_day} if control.last_day else set()
    for response in record.of("QuestionnaireResponse"):
        if str(response.get("questionnaire") or "").split("|", 1)[0] == form_url:
            day = local_day(response.get("authored"))
            if day is not None and day <= until:
                days.add(day)
    return sorted(days)


def _diagnosed(record: Record, kind: str) -> bool:
    return any(in_ranges(code, _RANGES[kind]) for c in record.of("Condition")
               for code in icd10_of(c))  # fmt: skip


@dataclass(frozen=True)
class ChronicProgramme:
    code: str
    name: Mapping[str, str] = field(default_factory=dict)
    rule: str = ""
    reads: tuple[str, ...] = ("Observation", "Condition", "MedicationRequest",
                              "MedicationStatement", "QuestionnaireResponse")  # fmt: skip
    forms: tuple[Mapping[str, Any], ...] = ()
    indicators: tuple[IndicatorDef, ...] = ()

    @property
    def config(self) -> Mapping[str, Any]:
        return packaged_document("chronic.json")[self.code]

    def control(self, found: Readings) -> Control:
        if self.code == "hypertension":
            return bp_control(found.blood_pressure, self.config)
        return glycaemic_control(found.glucose, found.hba1c, self.config)

    def assess(self, record: Record, today: date) -> Assessment:
        cfg = self.config
        found = readings(record, today)  # one pass over the Observations
        control = self.control(found)
        form = FORM_BASE + cfg["form"]
        visits = _visit_days(record, form, control, today)
        last = visits[-1] if visits else None
        activity, label = _VISIT[self.code]
        due_day = last + timedelta(days=cfg["visit_every_days"]) if last else month_start(today)
        due = [DueItem(activity, label, due_day, status_on(due_day, today), None, form,
                       {"last_visit": last.isoformat() if last else None})]  # fmt: skip
        if self.code == "diabetes":
            due.append(self._hba1c_due(found, today, form))
        if control.refer and control.last_day:
            due.append(DueItem("referral", _REFER, control.last_day,
                               status_on(control.last_day, today), None, None,
                               {"reason": control.reason}))  # fmt: skip
        drugs = current_drugs(record, cfg["drugs_atc"])
        measures = self._measures(record, today, found, control, last, drugs)
        return Assessment(tuple(due), measures, self._summary(control, measures, drugs))

    def _hba1c_due(self, found: Readings, today: date, form: str) -> DueItem:
        tests = found.hba1c
        day = (tests[-1].day + timedelta(days=self.config["hba1c_every_days"]) if tests
               else month_start(today))  # fmt: skip
        return DueItem("hba1c", _HBA1C, day, status_on(day, today), None, form,
                       {"last_test": tests[-1].day.isoformat() if tests else None})  # fmt: skip

    def _measures(self, record: Record, today: date, found: Readings, control: Control,
                  last: date | None, drugs: list[str]) -> Measures:  # fmt: skip
        cfg = self.config
        age = record.age_on(today)
        low, high = cfg["expected_prevalence"]["ages"]
        measures: Measures = {
            "enrolled_by": "diagnosis" if _diagnosed(record, self.code) else "measurement",
            "last_visit": last.isoformat() if last else None,
            "visited_90d": bool(last and (today - last).days <= cfg["under_management_days"]),
            "controlled": control.controlled,
            "uncontrolled_streak": control.uncontrolled_streak,
            "refer": control.refer,
            "refer_reason": control.reason,
            "on_treatment": bool(drugs),
            "drugs": "; ".join(drugs) or None,
            "in_prevalence_ages": age is not None and low <= age <= high,
        }
        measures["controlled_visited"] = bool(measures["visited_90d"] and control.controlled)
        if self.code == "hypertension":
            bp = found.blood_pressure
            measures["last_systolic"] = bp[-1].systolic if bp else None
            measures["last_diastolic"] = bp[-1].diastolic if bp else None
            # the last readings, oldest first, for the resident's view (no second read)
            measures["bp_recent"] = (
                "; ".join(f"{r.day:%d/%m/%Y} {r.systolic:.0f}/{r.diastolic:.0f}" for r in bp[-6:])
                or None
            )
        else:
            g, a = found.glucose, found.hba1c
            measures["last_glucose_mmol"] = round(g[-1].value, 1) if g else None
            measures["last_hba1c"] = a[-1].value if a else None
            measures["glucose_recent"] = (
                "; ".join(f"{r.day:%d/%m/%Y} {r.value:.1f}" for r in g[-6:]) or None
            )
        return measures

    def _summary(self, control: Control, measures: Measures, drugs: list[str]) -> dict[str, str]:
        if control.controlled is None:
            vi, en = ["chưa có số đo"], ["no reading yet"]
        elif control.controlled:
            vi, en = ["đạt mục tiêu"], ["controlled"]
        else:
            vi, en = ["chưa đạt mục tiêu"], ["not controlled"]
        if self.code == "hypertension" and measures.get("last_systolic") is not None:
            reading = f"{measures['last_systolic']:.0f}/{measures['last_diastolic']:.0f} mmHg"
            vi.insert(0, reading)
            en.insert(0, reading)
        if control.refer:
            vi.append("cần chuyển tuyến")
            en.append("refer")
        if drugs:
            vi.append(drugs[0] + (f" +{len(drugs) - 1}" if len(drugs) > 1 else ""))
            en.append(vi[-1])
        return {"vi": " · ".join(vi), "en": " · ".join(en)}


def _indicators(code: str) -> tuple[IndicatorDef, ...]:
    prevalence = packaged_document("chronic.json")[code]["expected_prevalence"]
    low, high = prevalence["ages"]
    return (
        IndicatorDef("detected", {"vi": f"Phát hiện so với tỷ lệ mắc dự kiến ({low}–{high} tuổi)",
                                  "en": f"Detected against the expected prevalence ({low}-{high})"},
                     "in_prevalence_ages", "population", (low, high), prevalence["value"],
                     "target = expected prevalence, data/chronic.json sources.STEPS; "
                     "% detected of expected = value / target"),
        IndicatorDef("under_management", {"vi": "Đang được quản lý (khám trong 3 tháng)",
                                          "en": "Under management (visit in the last 3 months)"},
                     "visited_90d", source="issue 19"),
        IndicatorDef("controlled", {"vi": "Đạt mục tiêu điều trị ở lần khám gần nhất",
                                    "en": "Controlled at the last visit"},
                     "controlled", source="data/chronic.json control"),
        IndicatorDef("controlled_of_managed", {"vi": "Đạt mục tiêu trong số đang được quản lý",
                                               "en": "Controlled among those under management"},
                     "controlled_visited", "visited_90d"),
        IndicatorDef("refer", {"vi": "Cần chuyển tuyến", "en": "Due for referral"}, "refer"),
    )  # fmt: skip


def _programme(code: str) -> ChronicProgramme:
    form = packaged_document("chronic.json")[code]["form"]
    return ChronicProgramme(code, _NAMES[code], code, forms=(packaged_form(form),),
                            indicators=_indicators(code))  # fmt: skip


HYPERTENSION = _programme("hypertension")
DIABETES = _programme("diabetes")
