"""The immunisation programme's assessment of one child, checked by hand against
tcmr-2026.1.json (in force from 15/02/2026): every date below is worked out in the
comments from the schedule's rows, not read back from the code.

The child: born 10/03/2025, assessed on 15/06/2026 (15 months old). The current month
ends 30/06/2026: a dose whose recommended day is by then is "due", later "upcoming".
"""

from __future__ import annotations

from datetime import date

from hoso.programmes.framework import Record
from hoso.programmes.immunisation.programme import PROGRAMME, coverage_year
from hoso.programmes.immunisation.schedule import Age
from hoso.programmes.rules import parse_rule
from tests.builders.immunization import (
    BCG,
    BOPV,
    FIVE_IN_ONE,
    HEPB,
    MEASLES,
    SIX_IN_ONE,
    immunization,
)

BORN = date(2025, 3, 10)
TODAY = date(2026, 6, 15)

HISTORY = [
    immunization(HEPB, "2025-03-10"),  # hepatitis B birth dose, on the day
    immunization(BCG, "2025-03-25"),  # BCG at 15 days (within the 1-year catch-up)
    # a 6-in-1 (D, T, P, IPV, Hib, HepB) at 2 months 2 days: D/T/P/Hib dose 1, IPV dose 1,
    # HepB dose 2 (6 weeks = 21/04/2025 passed; 4 weeks after the birth dose passed)
    immunization(SIX_IN_ONE, "2025-05-12"),
    immunization(BOPV, "2025-05-12"),  # bOPV dose 1
    # a 5-in-1 only 21 days later: the 4-week minimum interval (09/06/2025) is not met, so
    # it counts for none of D, T, P, Hib, HepB
    immunization(FIVE_IN_ONE, "2025-06-02"),
    immunization(BOPV, "2025-07-14"),  # bOPV dose 2: 10 weeks (19/05) and 4 weeks passed
    # a late 5-in-1 (dose 2's window closed at 4 months, 10/07/2025): it still counts,
    # as D/T/P/Hib dose 2 and HepB dose 3
    immunization(FIVE_IN_ONE, "2025-08-20"),
    immunization(MEASLES, "2025-12-15"),  # measles dose 1 at 9 months 5 days (9m = 10/12)
]


def _record(history: list[dict[str, object]], born: date = BORN) -> Record:
    patient = {"resourceType": "Patient", "id": "child", "birthDate": born.isoformat(),
               "gender": "female"}  # fmt: skip
    return Record(patient, {"Immunization": history}, "26740")


def test_the_due_list_of_a_child_with_combination_vaccines_and_late_doses() -> None:
    assessment = PROGRAMME.assess(_record(HISTORY), TODAY)
    got = {i.activity: (i.status, i.due, i.latest) for i in assessment.due}
    expected = {
        # HepB dose 4: 14 weeks (16/06/2025) but 4 weeks after dose 3 (20/08 + 28 days =
        # 17/09/2025) is later: due 17/09/2025, window (5 months, 10/08/2025) already past
        # → overdue; the catch-up limit is 5 years (10/03/2030)
        "hepb-4": ("overdue", date(2025, 9, 17), date(2030, 3, 10)),
        # D, T, P dose 3: likewise 17/09/2025, overdue; catch-up until 7 years
        "diphtheria-3": ("overdue", date(2025, 9, 17), date(2032, 3, 10)),
        "tetanus-3": ("overdue", date(2025, 9, 17), date(2032, 3, 10)),
        "pertussis-3": ("overdue", date(2025, 9, 17), date(2032, 3, 10)),
        "hib-3": ("overdue", date(2025, 9, 17), date(2030, 3, 10)),  # Hib until 5 years
        # bOPV dose 3: 4 weeks after 14/07/2025 = 11/08/2025 (14 weeks was 16/06): overdue
        "polio_oral-3": ("overdue", date(2025, 8, 11), date(2030, 3, 10)),
        # IPV dose 2: 9 months (10/12/2025), 4 months after dose 1 (12/09/2025) earlier;
        # window closed at 10 months (10/01/2026): overdue
        "polio_inactivated-2": ("overdue", date(2025, 12, 10), date(2030, 3, 10)),
        # measles dose 2: recommended at 18 months, 10/09/2026, after this month → upcoming
        "measles-2": ("upcoming", date(2026, 9, 10), date(2040, 3, 10)),
        # rubella (MR) at 18 months, 10/09/2026 → upcoming; catch-up until 15 years
        "rubella-1": ("upcoming", date(2026, 9, 10), date(2040, 3, 10)),
        # Japanese encephalitis dose 1 at 12 months (10/03/2026), window to 13 months
        # (10/04/2026) closed → overdue
        "japanese_encephalitis-1": ("overdue", date(2026, 3, 10), date(2040, 3, 10)),
    }
    assert got == expected  # BCG is complete and not listed
    # the too-early 5-in-1 is named as not counting, for each of its antigens
    detail = next(i.detail for i in assessment.due if i.activity == "diphtheria-3")
    assert [n["given_on"] for n in detail["not_counted"]] == ["2025-06-02"]
    assert detail["not_counted"][0]["reason"] == "before_minimum_interval"
    assert detail["counted"] == 2


def test_measures_of_the_same_child() -> None:
    m = PROGRAMME.assess(_record(HISTORY), TODAY).measures
    assert m["birth_cohort"] == 2025
    assert m["up_to_date"] is False  # overdue doses
    # by the first birthday (10/03/2026) only two D/T/P/Hib doses counted: not fully
    # immunised (the set asks for 3)
    assert m["fully_immunised_12m"] is False
    assert m["age_1y"] is True
    assert (m["doses_hepb"], m["doses_diphtheria"], m["doses_polio_oral"]) == (3, 2, 2)
    assert (m["doses_bcg"], m["doses_measles"], m["doses_japanese_encephalitis"]) == (1, 1, 0)
    # infant doses are measured at age 1: BCG yes, pentavalent 3 no, measles 1 yes
    assert (m["cov_bcg_1"], m["cov_diphtheria_3"], m["cov_measles_1"]) == (True, False, True)
    assert "cov_measles_2" not in m  # measured at age 2 (window to 24 months)
    # none of these synthetic doses has a lot, expiry, route or vaccinator
    assert m["doses_incomplete"] == 8


def test_a_child_given_every_infant_dose_on_time_is_fully_immunised_at_12_months() -> None:
    born = date(2025, 1, 5)
    doses = [immunization(HEPB, "2025-01-05"), immunization(BCG, "2025-01-06")]
    for day in ("2025-03-05", "2025-04-05", "2025-05-05"):  # 2, 3, 4 months
        doses += [immunization(FIVE_IN_ONE, day), immunization(BOPV, day)]
    doses += [immunization("10", "2025-06-05"), immunization(MEASLES, "2025-10-05")]
    assessment = PROGRAMME.assess(_record(doses, born), date(2026, 1, 20))
    assert assessment.measures["fully_immunised_12m"] is True
    # a week earlier the first birthday had not come: not measured yet; nor at 2 years
    # (only the children of the indicator's denominator, aged 1, are measured)
    before = PROGRAMME.assess(_record(doses, born), date(2026, 1, 4))
    assert before.measures["fully_immunised_12m"] is None
    assert PROGRAMME.assess(_record(doses, born), date(2027, 1, 6)).measures[
        "fully_immunised_12m"] is None  # fmt: skip
    # on 20/01/2026 the 2018.1 schedule is in force (2026.1 starts 15/02/2026): one IPV
    # dose, so the series is complete and not listed; under 2026.1 IPV 2 (9 months,
    # 05/10/2025, window to 05/11/2025) is overdue
    assert not [i for i in assessment.due if i.activity.startswith("polio_inactivated")]
    later = PROGRAMME.assess(_record(doses, born), date(2026, 2, 16))
    assert {i.activity: i.status for i in later.due}["polio_inactivated-2"] == "overdue"


def test_a_dose_past_its_catch_up_age_is_missed() -> None:
    # born 01/01/2019, nothing given: on 15/06/2026 (7 years 5 months) BCG (1 year) and
    # Hib (5 years) are past catch-up → missed; measles (15 years) is overdue
    statuses = {i.activity: i.status
                for i in PROGRAMME.assess(_record([], date(2019, 1, 1)), TODAY).due}  # fmt: skip
    assert statuses["bcg-1"] == "missed"
    assert statuses["hib-1"] == "missed"
    assert statuses["measles-1"] == "overdue"


def test_enrolment_rule_takes_children_under_16() -> None:
    import json
    from importlib import resources

    raw = resources.files("hoso.programmes").joinpath("data/rules/immunisation.json")
    rule = parse_rule(json.loads(raw.read_text(encoding="utf-8")))
    assert rule.code == PROGRAMME.rule
    assert rule.matches(_record([], date(2010, 6, 16)), TODAY)  # 15 years 364 days
    assert not rule.matches(_record([], date(2010, 6, 15)), TODAY)  # 16 today


def test_coverage_year_of_a_dose() -> None:
    assert coverage_year(Age(1, "m")) == 1  # BCG
    assert coverage_year(Age(5, "m")) == 1  # 5-in-1 dose 3
    assert coverage_year(Age(24, "m")) == 2  # the 18-month booster
    assert coverage_year(Age(25, "m")) == 3  # JE 3
    assert coverage_year(Age(8, "y")) == 8  # Td at 7


def test_the_monthly_reports_coverage_counts_the_children_of_the_dose_age() -> None:
    from hoso.programmes.reports.monthly import ReportRow, WardPopulation, indicator_result

    # three children aged 1 on 15/06/2026 (BCG measured at age 1) and one aged 3: the
    # 3-year-old counts in neither part of BCG's coverage
    doses = {"a": [immunization(BCG, "2025-03-11")], "b": [immunization(BCG, "2025-03-12")],
             "c": []}  # fmt: skip
    rows = [
        ReportRow("26740", "0-4", "female", PROGRAMME.assess(_record(d), TODAY).measures)
        for d in doses.values()
    ]
    rows.append(
        ReportRow(
            "26740", "0-4", "male", PROGRAMME.assess(_record([], date(2023, 1, 1)), TODAY).measures
        )
    )
    bcg = next(i for i in PROGRAMME.indicators if i.code == "coverage-bcg-1")
    result = indicator_result(bcg, rows, WardPopulation({}), None)
    assert (result.numerator, result.denominator) == (2, 3)
