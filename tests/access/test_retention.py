"""Retention of medical records (TT 33/2025/TT-BYT) and the categories a record is in."""

from __future__ import annotations

from datetime import date

from hoso.access.retention import retained_until, retention_answer, retention_categories
from tests.builders.clinical import condition
from tests.builders.patient import patient


def test_every_record_is_a_medical_record_kept_ten_years() -> None:
    assert retention_categories(patient()) == {"medical-record"}
    assert retained_until(date(2024, 3, 15), {"medical-record"}) == date(2034, 3, 15)


def test_a_death_is_kept_thirty_years() -> None:
    assert "death" in retention_categories(patient(deceasedBoolean=True))
    assert "death" in retention_categories(patient(deceasedDateTime="2025-01-02"))
    assert "death" not in retention_categories(patient(deceasedBoolean=False))
    assert retained_until(date(2025, 1, 2), {"medical-record", "death"}) == date(2055, 1, 2)


def test_icd10_codes_put_a_record_in_a_twenty_year_category() -> None:
    conditions = [
        condition("p", icd10="F20.0"),  # schizophrenia
        condition("p", icd10="V43.5"),  # car occupant injured in a collision
        condition("p", icd10="Y96"),  # work-related condition
        condition("p", icd10="I10"),
    ]
    assert retention_categories(patient(), conditions) == {
        "medical-record",
        "psychiatric",
        "traffic-accident",
        "work-accident",
    }
    assert retention_categories(patient(), [condition("p", icd10="Z04.2")]) == {
        "medical-record",
        "work-accident",
    }


def test_a_leap_day_keeps_to_the_28th() -> None:
    assert retained_until(date(2024, 2, 29), {"medical-record"}) == date(2034, 2, 28)


def test_the_answer_on_the_last_day_still_refuses() -> None:
    answer = retention_answer(date(2016, 12, 4), {"medical-record"}, today=date(2026, 12, 4))
    assert answer.startswith("Từ chối xoá")
