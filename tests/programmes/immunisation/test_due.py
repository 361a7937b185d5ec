"""Next due doses, with expected dates worked out by hand from tcmr-2026.1.json (and
2018.1 for a date before 15/02/2026), not read back from the function.

The 5-in-1 rows of the schedule: doses at 2, 3, 4 months; minimum ages 6, 10, 14 weeks;
4 weeks apart at least; the window closes a month after the recommended age.
"""

from __future__ import annotations

from datetime import date

from hoso.programmes.immunisation import DueDose, due_doses
from hoso.programmes.immunisation.due import local_day
from tests.builders.immunization import (
    BCG,
    DTP,
    FIVE_IN_ONE,
    HEPB,
    MMR,
    SIX_IN_ONE,
    TD,
    immunization,
)


def _by_antigen(states: list[DueDose]) -> dict[str, DueDose]:
    return {s.antigen: s for s in states}


def test_a_newborn_has_bcg_and_the_hepatitis_b_birth_dose_due() -> None:
    born = date(2026, 10, 1)
    states = _by_antigen(due_doses(born, [], on=born))
    bcg, hepb = states["bcg"], states["hepb"]
    assert (bcg.status, bcg.dose, bcg.due, bcg.latest) == ("due", 1, born, date(2026, 11, 1))
    assert bcg.catch_up_until == date(2027, 10, 1)  # 1 year
    assert (hepb.status, hepb.dose, hepb.due) == ("due", 1, born)
    assert hepb.latest == date(2026, 10, 2)  # within 24 hours: that day or the next
    assert hepb.catch_up_until == date(2026, 10, 8)  # 7 days
    assert hepb.label == {"vi": "sơ sinh", "en": "birth dose"}
    # the 5-in-1 is not yet: earliest at 6 weeks (1 Oct + 42 days), due at 2 months
    diphtheria = states["diphtheria"]
    assert (diphtheria.status, diphtheria.earliest, diphtheria.due) == (
        "upcoming", date(2026, 11, 12), date(2026, 12, 1))  # fmt: skip
    assert states["measles"].due == date(2027, 7, 1)  # 9 months


def test_a_missed_birth_dose_lapses_after_7_days_and_the_series_moves_on() -> None:
    born = date(2026, 10, 1)
    hepb = _by_antigen(due_doses(born, [], on=date(2026, 10, 9)))["hepb"]
    assert hepb.skipped == (1,)
    assert (hepb.status, hepb.dose, hepb.due, hepb.counted) == (
        "upcoming", 2, date(2026, 12, 1), 0)  # fmt: skip


def test_after_5_in_1_doses_1_and_2_dose_3_is_due_at_4_months() -> None:
    born = date(2026, 1, 15)
    given = [
        immunization(HEPB, "2026-01-15T09:00:00+07:00"),
        immunization(FIVE_IN_ONE, "2026-03-15"),
        immunization(FIVE_IN_ONE, "2026-04-15"),
    ]
    states = _by_antigen(due_doses(born, given, on=date(2026, 5, 15)))
    for antigen in ("diphtheria", "tetanus", "pertussis", "hib"):
        state = states[antigen]
        assert (state.status, state.dose, state.counted) == ("due", 3, 2), antigen
        # earliest: 14 weeks (15 Jan + 98 days = 23 Apr) and 4 weeks after 15 Apr (13 May)
        assert state.earliest == date(2026, 5, 13)
        assert (state.due, state.latest) == (date(2026, 5, 15), date(2026, 6, 15))
    hepb = states["hepb"]  # the birth dose, then the 5-in-1's hepatitis B
    assert (hepb.status, hepb.dose, hepb.counted, hepb.due) == ("due", 4, 3, date(2026, 5, 15))
    assert states["bcg"].status == "overdue"  # never given, window closed 15 Feb
    assert all(s.schedule_version == "2026.1" for s in states.values())


def test_a_combination_counts_for_each_of_its_antigens() -> None:
    born = date(2026, 1, 15)
    given = [immunization(SIX_IN_ONE, "2026-03-15"), immunization(MMR, "2027-07-20")]
    states = _by_antigen(due_doses(born, given, on=date(2027, 8, 1)))
    for antigen in ("diphtheria", "tetanus", "pertussis", "hib", "polio_inactivated"):
        assert states[antigen].counted == 1, antigen
    # hepatitis B: the birth dose lapsed at 7 days, the 6-in-1 is the series' dose 2
    assert (states["hepb"].counted, states["hepb"].skipped, states["hepb"].dose) == (1, (1,), 3)
    assert states["polio_oral"].counted == 0  # IPV is not OPV
    assert states["measles"].counted == 1 and states["rubella"].counted == 1  # MMR


def test_the_target_disease_says_which_antigens_a_dose_counts_for() -> None:
    born = date(2025, 1, 10)
    measles_only = immunization("999", "2025-10-10", protocolApplied=[{"targetDisease": [
        {"coding": [{"system": "http://snomed.info/sct", "code": "14189004"}]}]}])  # fmt: skip
    unknown = immunization("999", "2025-10-10", ident="imm-unknown")
    states = _by_antigen(due_doses(born, [measles_only, unknown], on=date(2025, 11, 1)))
    assert states["measles"].counted == 1
    assert sum(s.counted for s in states.values()) == 1  # the unknown product counts nowhere


def test_a_dose_before_the_minimum_age_does_not_count_and_says_so() -> None:
    born = date(2026, 1, 15)
    early = immunization(FIVE_IN_ONE, "2026-02-19", ident="early")  # 5 weeks old
    diphtheria = _by_antigen(due_doses(born, [early], on=date(2026, 3, 20)))["diphtheria"]
    assert diphtheria.counted == 0
    [why] = diphtheria.not_counted
    assert (why.reference, why.given_on, why.dose) == ("Immunization/early", date(2026, 2, 19), 1)
    assert (why.reason, why.earliest) == ("before_minimum_age", date(2026, 2, 26))  # 6 weeks
    assert (diphtheria.status, diphtheria.dose, diphtheria.due, diphtheria.latest) == (
        "due", 1, date(2026, 3, 15), date(2026, 4, 15))  # fmt: skip


def test_a_dose_sooner_than_the_minimum_interval_does_not_count() -> None:
    born = date(2026, 1, 15)
    given = [
        immunization(FIVE_IN_ONE, "2026-03-15"),
        immunization(FIVE_IN_ONE, "2026-04-01", ident="soon"),
    ]  # 17 days later
    tetanus = _by_antigen(due_doses(born, given, on=date(2026, 4, 20)))["tetanus"]
    [why] = tetanus.not_counted
    # 4 weeks after 15 Mar is 12 Apr (the 10-week minimum age, 26 Mar, is earlier)
    assert (why.reason, why.dose, why.earliest) == ("before_minimum_interval", 2,
                                                    date(2026, 4, 12))  # fmt: skip
    assert (tetanus.status, tetanus.dose, tetanus.due) == ("due", 2, date(2026, 4, 15))
    # a third record 36 days after the first one that counted is dose 2; dose 3 then
    # waits 4 weeks from it (18 May), later than 4 months of age (15 May)
    given.append(immunization(FIVE_IN_ONE, "2026-04-20"))
    tetanus = _by_antigen(due_doses(born, given, on=date(2026, 5, 1)))["tetanus"]
    assert (tetanus.counted, tetanus.dose, tetanus.status) == (2, 3, "upcoming")
    assert (tetanus.earliest, tetanus.due, tetanus.latest) == (
        date(2026, 5, 18), date(2026, 5, 18), date(2026, 6, 15))  # fmt: skip


def test_past_the_catch_up_age_a_series_is_too_late() -> None:
    born = date(2020, 6, 10)
    states = _by_antigen(due_doses(born, [], on=date(2026, 12, 6)))  # 6 years old
    assert (states["hib"].status, states["hib"].dose) == ("too_late", 1)
    assert states["hib"].catch_up_until == date(2025, 6, 10)  # 5 years
    assert states["bcg"].status == "too_late"  # 1 year
    assert states["diphtheria"].status == "overdue"  # catch-up until 7 years
    assert states["measles"].status == "overdue"  # catch-up until 15 years


def test_a_lapsed_booster_moves_diphtheria_on_to_td_and_ends_pertussis() -> None:
    born = date(2018, 3, 1)
    given = [immunization(FIVE_IN_ONE, d) for d in ("2018-05-01", "2018-06-01", "2018-07-01")]
    states = _by_antigen(due_doses(born, given, on=date(2025, 6, 1)))  # 7 years 3 months
    diphtheria, pertussis = states["diphtheria"], states["pertussis"]
    assert diphtheria.skipped == (4,)  # the 18-month booster lapsed at 7 years
    assert (diphtheria.status, diphtheria.dose, diphtheria.due, diphtheria.latest) == (
        "due", 5, date(2025, 3, 1), date(2026, 3, 1))  # fmt: skip
    assert (pertussis.status, pertussis.dose, pertussis.counted) == ("too_late", 4, 3)
    assert diphtheria.schedule_version == "2018.1"  # before 15/02/2026


def test_a_complete_series() -> None:
    born = date(2018, 3, 1)
    given = [immunization(BCG, "2018-03-02"),
             *(immunization(FIVE_IN_ONE, d) for d in ("2018-05-01", "2018-06-01", "2018-07-01")),
             immunization(DTP, "2019-09-01"), immunization(TD, "2025-03-10")]  # fmt: skip
    states = _by_antigen(due_doses(born, given, on=date(2025, 6, 1)))
    assert (states["bcg"].status, states["bcg"].dose, states["bcg"].counted) == (
        "complete", None, 1)  # fmt: skip
    assert (states["diphtheria"].status, states["diphtheria"].counted) == ("complete", 5)
    assert (states["tetanus"].status, states["tetanus"].counted) == ("complete", 5)
    assert (states["pertussis"].status, states["pertussis"].counted) == ("complete", 4)
    assert states["hib"].status == "complete"
    assert states["hepb"].skipped == (1,) and states["hepb"].status == "complete"


def test_entered_in_error_not_done_and_subpotent_doses_are_ignored() -> None:
    born = date(2026, 10, 1)
    given = [immunization(BCG, "2026-10-01", status="entered-in-error"),
             immunization(HEPB, "2026-10-01", status="not-done"),
             immunization(BCG, "2026-10-02", isSubpotent=True)]  # fmt: skip
    states = _by_antigen(due_doses(born, given, on=date(2026, 10, 2)))
    assert (states["bcg"].status, states["bcg"].counted) == ("due", 0)
    assert (states["hepb"].status, states["hepb"].counted) == ("due", 0)


def test_the_same_dose_recorded_twice_counts_once_without_a_complaint() -> None:
    born = date(2026, 10, 1)
    given = [immunization(BCG, "2026-10-02"), immunization(BCG, "2026-10-02", ident="copy")]
    bcg = _by_antigen(due_doses(born, given, on=date(2026, 10, 3)))["bcg"]
    assert (bcg.status, bcg.counted, bcg.not_counted) == ("complete", 1, ())


def test_a_national_vaccine_code_counts() -> None:
    national = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/vac-xin"
    given = [immunization("QT-BCG", "2026-10-02", system=national)]
    bcg = _by_antigen(due_doses(date(2026, 10, 1), given, on=date(2026, 10, 3)))["bcg"]
    assert bcg.status == "complete"


def test_days_are_days_in_ho_chi_minh_city() -> None:
    # 18:30 UTC on 14 March is 01:30 on 15 March in Ho Chi Minh City
    assert local_day("2026-03-14T18:30:00Z") == date(2026, 3, 15)
    assert local_day("2026-03-14T18:30:00+07:00") == date(2026, 3, 14)
    assert local_day("2026-03-14") == date(2026, 3, 14)
    assert local_day("2026-03") is None and local_day(None) is None


def test_a_dose_given_just_after_utc_midnight_counts_on_its_local_day() -> None:
    born = date(2026, 1, 15)
    # 41 days old in UTC (25 Feb), 42 days (26 Feb, 6 weeks) in Ho Chi Minh City
    given = [immunization(FIVE_IN_ONE, "2026-02-25T17:30:00Z")]
    hib = _by_antigen(due_doses(born, given, on=date(2026, 3, 1)))["hib"]
    assert (hib.counted, hib.not_counted) == (1, ())
