"""Who belongs to which shipped cohort on a day (`cohort_members`), by hand: each group
of the issue with a resident in it and one just outside it."""

from __future__ import annotations

from datetime import date

from hoso.programmes.cohorts import cohort_members
from hoso.programmes.cohorts.members import followed_patients, followup_measures
from tests.programmes.cohorts.records import condition, pregnancy_status, record

DAY = date(2026, 12, 6)


def _codes(rec, measures=None) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.cohort for m in cohort_members(rec, DAY, followup_measures(measures or {}, False))}


def test_an_elderly_man_with_hypertension_and_diabetes() -> None:
    rec = record("p1", "1950-03-01", "male", Condition=[condition("I10"), condition("E11.9")])
    members = cohort_members(rec, DAY, {})
    assert {m.cohort for m in members} == {"elderly-60", "hypertension", "diabetes",
                                           "influenza-elderly-chronic"}  # fmt: skip
    assert {(m.ward, m.age_band, m.sex, m.computed_on) for m in members} == {
        ("26734", "70-79", "male", DAY)
    }


def test_age_60_is_counted_from_the_birthday() -> None:
    assert "elderly-60" in _codes(record("p", "1966-12-06"))
    assert "elderly-60" not in _codes(record("p", "1966-12-07"))


def test_chronic_groups_by_icd10_range() -> None:
    cases = [("J44.1", "copd-asthma"), ("J45", "copd-asthma"), ("N18.3", "chronic-kidney"),
             ("C50.9", "cancer"), ("I63.4", "cardiovascular-stroke"),
             ("I21", "cardiovascular-stroke"), ("F32.1", "disability-mental"),
             ("H54.0", "disability-mental")]  # fmt: skip
    for code, cohort in cases:
        assert cohort in _codes(record("p", "1980-01-01", Condition=[condition(code)])), code
    resolved = condition("C50.9", status="resolved")
    assert "cancer" not in _codes(record("p", "1980-01-01", Condition=[resolved]))
    assert _codes(record("p", "1980-01-01", Condition=[condition("J06")])) == set()


def test_pregnant_and_post_partum_women() -> None:
    recent = condition("O80", recorded="2026-11-20", status="resolved")  # delivered
    assert "pregnant-postpartum" in _codes(record("w", "1995-01-01", Condition=[recent]))
    old = condition("O80", recorded="2025-12-01", status="resolved")  # 370 days ago
    assert "pregnant-postpartum" not in _codes(record("w", "1995-01-01", Condition=[old]))
    visit = condition("Z34", recorded="2026-09-01")
    assert "pregnant-postpartum" in _codes(record("w", "1995-01-01", Condition=[visit]))
    infant = condition("Z38", recorded="2026-11-20")  # the liveborn baby's code
    assert "pregnant-postpartum" not in _codes(record("w", "2026-11-20", Condition=[infant]))
    observed = record("w", "1995-01-01", Observation=[pregnancy_status("2026-10-01")])
    assert "pregnant-postpartum" in _codes(observed)
    long_ago = record("w", "1995-01-01", Observation=[pregnancy_status("2026-01-01")])
    assert "pregnant-postpartum" not in _codes(long_ago)  # 339 days: past 280
    man = record("m", "1995-01-01", "male", Condition=[visit])
    assert "pregnant-postpartum" not in _codes(man)


def test_groups_from_other_programmes_measures() -> None:
    child = record("c", "2024-06-01")
    assert "under5-immunisation-gap" in _codes(child, {"immunisation": {"up_to_date": False}})
    assert "under5-immunisation-gap" not in _codes(child, {"immunisation": {"up_to_date": True}})
    assert "under5-immunisation-gap" not in _codes(child)  # not assessed: not counted
    pupil = record("s", "2016-05-01")
    assert "school-vision-fail" in _codes(pupil, {"school-eye": {"failed": True}})
    assert "school-vision-fail" not in _codes(pupil, {"school-eye": {"failed": False}})


def test_tb_hiv_and_contacts() -> None:
    assert "tb-hiv" in _codes(record("t", "1980-01-01", Condition=[condition("A15.0")]))
    assert "tb-hiv" in _codes(record("h", "1980-01-01", Condition=[condition("Z21")]))
    rec = record("k", "1990-01-01")
    assert "contacts-followup" in {m.cohort for m in cohort_members(
        rec, DAY, followup_measures({}, True))}  # fmt: skip
    assert "contacts-followup" not in _codes(rec)
    rows = [("k", "2026-12-01", "2026-12-21"), ("z", "2026-11-01", "2026-11-20")]
    assert followed_patients(rows, DAY) == {"k"}
