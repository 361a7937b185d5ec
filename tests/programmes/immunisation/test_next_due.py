"""What the health book shows: next_due_items from the Patient and its Immunizations."""

from __future__ import annotations

from datetime import date
from typing import Any

from hoso.programmes.immunisation import next_due_items
from tests.builders.immunization import BCG, FIVE_IN_ONE, HEPB, immunization


def _child(birth: str = "2026-01-15", **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "child", "birthDate": birth, **extra}


def test_a_newborn_sees_the_birth_doses_first_in_vietnamese() -> None:
    items = next_due_items(_child("2026-10-01"), [], date(2026, 10, 1), "vi")
    assert [(i["antigen"], i["status"]) for i in items[:2]] == [("bcg", "due"), ("hepb", "due")]
    assert items[1] == {
        "antigen": "hepb", "name": "Viêm gan B", "dose": 1, "dose_label": "sơ sinh",
        "vaccine": "Viêm gan B sơ sinh", "due_date": "2026-10-01", "earliest": "2026-10-01",
        "latest": "2026-10-02", "status": "due", "status_label": "Đến hạn tiêm",
        "schedule_version": "2026.1",
    }  # fmt: skip
    # then the upcoming doses, soonest first: the 5-in-1 and bOPV at 2 months
    assert items[2]["due_date"] == "2026-12-01" and items[2]["status_label"] == "Sắp đến hạn"
    assert [i["due_date"] for i in items[2:]] == sorted(i["due_date"] for i in items[2:])


def test_in_english_and_without_complete_series() -> None:
    given = [
        immunization(BCG, "2026-01-16"),
        immunization(HEPB, "2026-01-15"),
        immunization(FIVE_IN_ONE, "2026-03-15"),
        immunization(FIVE_IN_ONE, "2026-04-15"),
    ]
    items = next_due_items(_child(), given, date(2026, 5, 15), "en")
    assert "bcg" not in {i["antigen"] for i in items}  # complete: the book lists the dose
    diphtheria = next(i for i in items if i["antigen"] == "diphtheria")
    assert (diphtheria["name"], diphtheria["dose"], diphtheria["due_date"]) == (
        "Diphtheria", 3, "2026-05-15")  # fmt: skip
    assert (diphtheria["status_label"], diphtheria["vaccine"]) == (
        "Due now", "DTwP-HepB-Hib (5-in-1)")  # fmt: skip
    # bOPV was never given: overdue since its 2-month window closed, listed first
    assert (items[0]["antigen"], items[0]["status_label"]) == ("polio_oral", "Overdue, catch up")


def test_an_adult_sees_no_too_late_childhood_series() -> None:
    assert next_due_items(_child("1980-05-01"), [], date(2026, 12, 6), "vi") == []


def test_nothing_without_a_birth_date_or_for_a_deceased_child() -> None:
    assert next_due_items({"resourceType": "Patient", "id": "x"}, [], date(2026, 12, 6), "vi") == []
    assert next_due_items(_child(birth="2026"), [], date(2026, 12, 6), "vi") == []
    assert next_due_items(_child(deceasedBoolean=True), [], date(2026, 12, 6), "vi") == []
