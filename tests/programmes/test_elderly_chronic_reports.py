"""The elderly and hypertension indicators in the monthly report (issue 19 point 7),
counted by hand from residents assessed on 06/12/2026."""

from __future__ import annotations

from datetime import date

from hoso.programmes.chronic import HYPERTENSION
from hoso.programmes.elderly import ELDERLY
from hoso.programmes.framework import age_band
from hoso.programmes.reports.measure_report import measure_report
from hoso.programmes.reports.monthly import ReportRow, WardPopulation, monthly_report
from tests.builders.programmes import blood_pressure, diagnosis, record, response

TODAY = date(2026, 12, 6)
WARD = "26740"
CHECK = {"bp-systolic": 128, "bp-diastolic": 78}


def _row(programme: object, r: object) -> ReportRow:
    measures = programme.assess(r, TODAY).measures  # type: ignore[attr-defined]
    return ReportRow(WARD, age_band(r.age_on(TODAY)), r.sex, measures)  # type: ignore[attr-defined]


def test_the_elderly_report_counts_checks_against_the_population() -> None:
    checked = record("1950-03-01", response("elderly-health-check", CHECK, "2026-05-01"))
    old_check = record("1944-03-01", response("elderly-health-check", CHECK, "2025-10-01"))
    never = record("1960-03-01")
    rows = [_row(ELDERLY, r) for r in (checked, old_check, never)]
    banded = {(WARD, "60-69"): 40, (WARD, "70-79"): 30, (WARD, "80+"): 10}
    report = monthly_report(ELDERLY, "2026-12", rows, WardPopulation({WARD: 900}, banded), WARD)
    results = {r.indicator.code: r for r in report.indicators}
    assert (results["checked_12m"].numerator, results["checked_12m"].denominator) == (1, 80)
    assert (results["has_record"].numerator, results["has_record"].denominator) == (2, 80)
    assert results["checked_12m"].indicator.target == 0.70
    fhir = measure_report(report)
    assert fhir["resourceType"] == "MeasureReport"


def test_the_hypertension_report_counts_control_and_management() -> None:
    controlled = record("1970-01-01", diagnosis("I10"), blood_pressure("2026-11-20", 130, 80))
    high = record("1965-01-01", diagnosis("I10"), blood_pressure("2026-11-20", 150, 95))
    lapsed = record("1955-01-01", diagnosis("I10"), blood_pressure("2026-05-20", 132, 82))
    rows = [_row(HYPERTENSION, r) for r in (controlled, high, lapsed)]
    report = monthly_report(HYPERTENSION, "2026-12", rows, WardPopulation({WARD: 900}), WARD)
    results = {r.indicator.code: (r.numerator, r.denominator) for r in report.indicators}
    assert results["controlled"] == (2, 3)  # controlled at the last visit, of all enrolled
    assert results["under_management"] == (2, 3)
    assert results["controlled_of_managed"] == (1, 2)
