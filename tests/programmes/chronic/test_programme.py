"""Hypertension and diabetes registers for residents worked by hand against
data/chronic.json (BP < 140/90; refer ≥ 180/110 or three uncontrolled visits; HbA1c
< 7 % within 6 months else fasting glucose 4.4-7.2 mmol/L; visits monthly)."""

from __future__ import annotations

from datetime import date

from hoso.programmes.chronic import DIABETES, HYPERTENSION
from tests.builders.programmes import blood_pressure, diagnosis, lab, prescription, record

TODAY = date(2026, 12, 6)
BORN = "1970-04-02"  # 56: inside the 20-59 prevalence band


def test_a_hypertensive_controlled_at_the_last_visit() -> None:
    r = record(
        BORN,
        diagnosis("I10"),
        blood_pressure("2026-10-05", 152, 94),
        blood_pressure("2026-11-04", 136, 86),
        prescription("C08CA01", "Amlodipin 5 mg"),
    )
    a = HYPERTENSION.assess(r, TODAY)
    m = a.measures
    assert (m["controlled"], m["visited_90d"], m["refer"], m["enrolled_by"]) == (
        True, True, False, "diagnosis")  # fmt: skip
    assert (m["last_systolic"], m["last_diastolic"], m["drugs"]) == (136, 86, "Amlodipin 5 mg")
    assert m["in_prevalence_ages"] is True
    assert m["bp_recent"] == "05/10/2026 152/94; 04/11/2026 136/86"
    [visit] = a.due
    assert (visit.activity, visit.due, visit.status) == ("bp-visit", date(2026, 12, 4), "due")
    assert a.summary["vi"] == "136/86 mmHg · đạt mục tiêu · Amlodipin 5 mg"


def test_a_hypertensive_uncontrolled_on_either_value() -> None:
    for systolic, diastolic in ((140, 80), (130, 90)):
        r = record(BORN, diagnosis("I10"), blood_pressure("2026-11-04", systolic, diastolic))
        assert HYPERTENSION.assess(r, TODAY).measures["controlled"] is False


def test_three_uncontrolled_visits_in_a_row_are_referred() -> None:
    readings = [
        blood_pressure(d, s, 88)
        for d, s in (
            ("2026-08-01", 135),
            ("2026-09-01", 150),
            ("2026-10-01", 148),
            ("2026-11-01", 145),
        )
    ]
    a = HYPERTENSION.assess(record(BORN, diagnosis("I10"), *readings), TODAY)
    assert (a.measures["uncontrolled_streak"], a.measures["refer"]) == (3, True)
    assert a.measures["refer_reason"] == "uncontrolled-visits"
    referral = next(d for d in a.due if d.activity == "referral")
    assert (referral.due, referral.status) == (date(2026, 11, 1), "overdue")
    two = HYPERTENSION.assess(record(BORN, diagnosis("I10"), *readings[:3]), date(2026, 10, 2))
    assert (two.measures["uncontrolled_streak"], two.measures["refer"]) == (2, False)


def test_grade_three_is_referred_at_once() -> None:
    severe = HYPERTENSION.assess(record(BORN, blood_pressure("2026-12-01", 182, 100)), TODAY)
    assert severe.measures["refer_reason"] == "severe"
    below = HYPERTENSION.assess(record(BORN, blood_pressure("2026-12-01", 179, 109)), TODAY)
    assert below.measures["refer"] is False


def test_the_days_last_reading_is_the_visit() -> None:
    r = record(BORN, blood_pressure("2026-11-04", 150, 90),
               {**blood_pressure("2026-11-04", 134, 84),
                "effectiveDateTime": "2026-11-04T08:45:00+07:00"})  # fmt: skip
    assert HYPERTENSION.assess(r, TODAY).measures["controlled"] is True


def test_no_visit_for_four_months_is_not_under_management() -> None:
    r = record(BORN, diagnosis("I10"), blood_pressure("2026-08-01", 130, 80))
    a = HYPERTENSION.assess(r, TODAY)
    assert a.measures["visited_90d"] is False and a.measures["controlled"] is True
    assert a.due[0].status == "overdue"  # due 31/08/2026


def test_diabetes_control_uses_a_recent_hba1c_first() -> None:
    r = record(BORN, diagnosis("E11.9"), lab("4548-4", 6.8, "%", "2026-09-01"),
               lab("1558-6", 160, "mg/dL", "2026-11-10"))  # fmt: skip
    m = DIABETES.assess(r, TODAY).measures
    assert (m["controlled"], m["last_hba1c"], m["last_glucose_mmol"]) == (True, 6.8, 8.9)


def test_diabetes_control_falls_back_to_fasting_glucose_in_either_unit() -> None:
    old_a1c = lab("4548-4", 6.5, "%", "2025-12-01")  # more than 6 months before
    for value, unit, controlled in ((130, "mg/dL", True), (131, "mg/dL", False),
                                    (7.2, "mmol/L", True), (4.3, "mmol/L", False)):  # fmt: skip
        r = record(BORN, diagnosis("E11.9"), old_a1c, lab("1558-6", value, unit, "2026-11-10"))
        assert DIABETES.assess(r, TODAY).measures["controlled"] is controlled, (value, unit)


def test_diabetes_due_items_and_referral() -> None:
    r = record(BORN, diagnosis("E11.9"), lab("4548-4", 10.4, "%", "2026-05-02"),
               lab("14771-0", 17.0, "mmol/L", "2026-11-20"))  # fmt: skip
    a = DIABETES.assess(r, TODAY)
    due = {d.activity: (d.due, d.status) for d in a.due}
    assert due["dm-visit"] == (date(2026, 12, 20), "due")
    assert due["hba1c"] == (date(2026, 10, 31), "overdue")  # 02/05 + 182 days
    assert due["referral"] == (date(2026, 11, 20), "overdue")
    assert a.measures["refer_reason"] == "severe"  # 17.0 ≥ 16.7 mmol/L


def test_drugs_outside_the_programmes_groups_or_stopped_are_not_listed() -> None:
    r = record(BORN, prescription("A10BA02", "Metformin 850 mg"),
               prescription("A10BB09", "Gliclazid 30 mg MR", status="completed"),
               prescription("C08CA01", "Amlodipin 5 mg"))  # fmt: skip
    m = DIABETES.assess(r, TODAY).measures
    assert (m["drugs"], m["on_treatment"]) == ("Metformin 850 mg", True)


def test_the_detection_indicators_population_is_whole_report_bands() -> None:
    from hoso.programmes.reports.monthly import WardPopulation

    banded = {("26740", "20-39"): 300, ("26740", "40-59"): 200, ("26740", "60-69"): 100}
    population = WardPopulation({"26740": 1000}, banded)
    for programme, prevalence in ((HYPERTENSION, 0.283), (DIABETES, 0.0696)):
        detected = next(i for i in programme.indicators if i.code == "detected")
        assert population.of(frozenset({"26740"}), detected.population) == 500
        assert detected.target == prevalence
