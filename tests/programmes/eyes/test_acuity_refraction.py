"""Visual acuity read in every notation into logMAR, the 6/9 cut-off, refraction
checks and spherical equivalent, the criteria's sources, roster rows and the
programme's assessment (no database: pure functions)."""

from __future__ import annotations

from datetime import date

import pytest

from hoso.core.errors import InvalidRequest
from hoso.programmes.eyes.acuity import parse_acuity
from hoso.programmes.eyes.criteria import packaged_criteria, school_year_of
from hoso.programmes.eyes.programme import SCHOOL_EYE, school_eye_rule
from hoso.programmes.eyes.refraction import myopia_class, parse_refraction
from hoso.programmes.eyes.roster import RosterProblem, RosterRow, read_roster
from hoso.programmes.eyes.screening import parse_result, result_observations
from hoso.programmes.framework import Record


@pytest.mark.parametrize(("typed", "logmar", "notation"), [
    ("6/6", 0.0, "snellen"), ("6/9", 0.18, "snellen"), ("6/12", 0.3, "snellen"),
    ("20/40", 0.3, "snellen"), ("20/200", 1.0, "snellen"), ("5/10", 0.3, "snellen"),
    ("10/10", 0.0, "snellen"), ("0.5", 0.3, "decimal"), ("1,0", 0.0, "decimal"),
    ("0.1", 1.0, "decimal"), ("logMAR 0.3", 0.3, "logmar"), ("0.2L", 0.2, "logmar"),
    ("-0.1L", -0.1, "logmar"), (" 6 / 18 ", 0.48, "snellen"),
])  # fmt: skip
def test_every_notation_reads_into_logmar(typed: str, logmar: float, notation: str) -> None:
    found = parse_acuity(typed)
    assert (found.logmar, found.notation) == (logmar, notation)


def test_logmar_shown_as_snellen() -> None:
    from hoso.programmes.eyes.acuity import snellen_of

    shown = [snellen_of(v) for v in (0.0, 0.1, 0.18, 0.2, 0.3, 0.5, 1.0, -0.1)]
    assert shown == ["6/6", "6/7.5", "6/9", "6/9.5", "6/12", "6/19", "6/60", "6/5"]


def test_a_bare_number_is_logmar_only_when_the_column_says_so() -> None:
    assert parse_acuity("0.3").logmar == 0.52  # decimal 0.3
    assert parse_acuity("0.3", "logmar").logmar == 0.3


@pytest.mark.parametrize("typed", ["", "abc", "6/0", "0/6", "0", "2.5", "-0.5", "3.5L",
                                   "6/9/12", "1" * 30, "CF"])  # fmt: skip
def test_unreadable_acuity_is_refused(typed: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_acuity(typed)


def test_the_cut_off_is_worse_than_6_9_in_either_eye() -> None:
    c = packaged_criteria()
    assert c.fail_above_logmar == 0.18 and "IAPB" in c.sources["acuity"]
    assert "IMI" in c.sources["myopia"] and "HOUSE" in c.sources["referral"]
    outcome = lambda r, le: parse_result({"ucva": {"right": r, "left": le}}, c).outcome  # noqa: E731
    assert outcome("6/9", "6/6") == "pass"
    assert outcome("6/12", "6/6") == "fail" and outcome("6/6", "0.6") == "fail"
    assert outcome("6/6", None) == "incomplete"
    # Presenting acuity (with glasses) decides; uncorrected alone when none was taken.
    worn = parse_result({"ucva": {"right": "6/24", "left": "6/24"},
                         "pva": {"right": "6/6", "left": "6/7.5"}}, c)  # fmt: skip
    assert worn.outcome == "pass"


def test_refraction_is_checked_and_gives_the_spherical_equivalent() -> None:
    r = parse_refraction({"sphere": "-2,25", "cylinder": -1.5, "axis": "175"}, "right")
    assert (r.sphere, r.cylinder, r.axis, r.spherical_equivalent) == (-2.25, -1.5, 175, -3.0)
    assert parse_refraction({"sphere": 1.0}, "left").axis is None
    for bad in ({"sphere": -1.3}, {"sphere": -40}, {"sphere": -1, "cylinder": -1},
                {"sphere": -1, "cylinder": -1, "axis": 0}, {"sphere": -1, "cylinder": -1,
                                                            "axis": 181},
                {"sphere": True}, {"sphere": "x"}, {"sphere": "nan"}, "x"):  # fmt: skip
        with pytest.raises(InvalidRequest):
            parse_refraction(bad, "right")
    assert [myopia_class(se, -0.5, -6.0) for se in (-0.25, -0.5, -5.75, -6.0, None)] == \
        ["none", "myopia", "myopia", "high", None]  # fmt: skip


def test_school_years_turn_on_the_first_of_september() -> None:
    assert school_year_of(date(2026, 8, 31)) == "2025-2026"
    assert school_year_of(date(2026, 9, 1)) == "2026-2027"


def test_roster_rows_are_read_or_reported_by_line() -> None:
    head = "school_code,school_name,school_ward,school_year,class,grade,cccd,family_name," \
           "given_name,birth_date,sex\n"  # fmt: skip
    body = ("S1,Trường A,26734,2026-2027,6A1,6,079214000123,,,,\n"
            "S1,Trường A,26734,2026-2027,6A1,6,,Trần,Thị Lan,02/05/2014,nữ\n"
            "S1,Trường A,26734,2026-2027,6A1,6,,Trần,Thị Lan,31/02/2014,nữ\n"
            "S1,Trường A,26734,2026-2028,6A1,6,079214000123,,,,\n"
            "S1,Trường A,26734,2026-2027,6A1,6,,Trần,,02/05/2014,nữ\n")  # fmt: skip
    rows, problems = read_roster(("\ufeff" + head + body).encode())
    assert [type(r) for r in rows] == [RosterRow, RosterRow]
    assert rows[1].sex == "female" and rows[1].birth_date == date(2014, 5, 2)
    assert [(p.line, p.field) for p in problems] == [(4, "birth_date"), (5, "school_year"),
                                                     (6, "cccd")]  # fmt: skip
    assert all(isinstance(p, RosterProblem) for p in problems)
    for bad in (b"\xff\xfe", b"a,b\n1,2\n", b"x" * (5 * 1024 * 1024 + 1)):
        with pytest.raises(InvalidRequest):
            read_roster(bad)


def test_the_programme_assesses_screening_due_and_measures() -> None:
    c = packaged_criteria()
    child = {"id": "p1", "birthDate": "2014-05-02", "gender": "female"}
    today = date(2026, 11, 2)
    never = SCHOOL_EYE.assess(Record(child, {}, "26734"), today)
    assert [d.activity for d in never.due] == ["eye-screening"]
    assert never.measures["screened_this_year"] is False
    result = parse_result({"ucva": {"right": "6/12", "left": "6/6"},
                           "refraction": {"right": {"sphere": -1}}}, c)  # fmt: skip
    observations = result_observations(result, "p1", "2026-10-01", None)
    referral = {"resourceType": "ServiceRequest", "id": "sr1", "status": "active",
                "authoredOn": "2026-10-01", "code": {"coding": [
                    {"system": "https://hoso.vn/fhir/CodeSystem/eye-screening",
                     "code": "eye-clinic-referral"}]}}  # fmt: skip
    record = Record(child, {"Observation": observations, "ServiceRequest": [referral]}, "26734")
    assert school_eye_rule().matches(record, today)
    seen = SCHOOL_EYE.assess(record, today)
    assert [d.activity for d in seen.due] == ["eye-referral"] and seen.due[0].status == "due"
    assert seen.measures["failed"] and seen.measures["myopia"] and seen.measures["referred"]
    late = SCHOOL_EYE.assess(record, date(2027, 1, 15))  # 106 days: lapsed
    assert late.due[0].status == "overdue" and late.measures["referral_lapsed"] is True
    done = {**referral, "status": "completed"}
    record = Record(child, {"Observation": observations, "ServiceRequest": [done]}, "26734")
    assert SCHOOL_EYE.assess(record, today).measures["glasses_dispensed"] is True
    assert {i.code for i in SCHOOL_EYE.indicators} == {"screened", "failed", "myopia",
                                                        "referred", "glasses"}  # fmt: skip


def test_the_rule_matches_a_stored_record_whose_decimals_are_exact() -> None:
    """The store gives decimals back as `FhirDecimal` (jsonx keeps them exact): the rule's
    observation criterion and the assessment read them as numbers (a logMAR 0.3)."""
    from hoso.core import jsonx

    typed = {"ucva": {"right": "6/12", "left": "6/12"}, "refraction": {"right": {"sphere": -1.25}}}
    result = parse_result(typed, packaged_criteria())
    made = result_observations(result, "p1", "2026-10-01", None)
    stored = [jsonx.loads(jsonx.dumps(o)) for o in made]
    assert type(stored[0]["valueQuantity"]["value"]).__name__ == "FhirDecimal"
    record = Record({"id": "p1", "birthDate": "2014-05-02"}, {"Observation": stored}, None)
    assert school_eye_rule().matches(record, date(2026, 11, 2))
    measures = SCHOOL_EYE.assess(record, date(2026, 11, 2)).measures
    assert measures["failed"] and measures["myopia"]
