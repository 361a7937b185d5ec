"""The schedule files: they load, validate, and the version in force follows the date."""

from __future__ import annotations

import copy
import json
from datetime import date
from importlib import resources
from typing import Any

import pytest

from hoso.programmes.immunisation import (
    ScheduleError,
    load_schedule,
    load_vaccine_table,
    packaged_schedules,
    packaged_vaccine_table,
    schedule_in_force,
)
from hoso.programmes.immunisation.schedule import Age


def _raw(name: str = "tcmr-2026.1.json") -> dict[str, Any]:
    text = resources.files("hoso.programmes").joinpath(f"data/{name}").read_text("utf-8")
    found: dict[str, Any] = json.loads(text)
    return found


def test_the_packaged_versions_load_with_their_sources() -> None:
    versions = packaged_schedules()
    assert [(s.version, s.effective_from) for s in versions] == [
        ("2018.1", date(2018, 1, 1)),
        ("2026.1", date(2026, 2, 15)),
    ]
    for schedule in versions:
        assert set(schedule.sources) >= {"DVN6", "WHO-T2", "HOUSE"}
        assert "TT" in schedule.legal_basis
        # every series is one the vaccine table can count doses for
        assert {s.antigen for s in schedule.series} <= packaged_vaccine_table().antigens


def test_the_2026_version_has_the_second_ipv_dose_and_2018_not() -> None:
    old, new = packaged_schedules()
    assert len(old.antigen("polio_inactivated").doses) == 1  # type: ignore[union-attr]
    ipv = new.antigen("polio_inactivated")
    assert ipv is not None and [str(d.recommended_age) for d in ipv.doses] == ["5m", "9m"]


def test_the_hepatitis_b_birth_dose_is_within_24_hours_then_lapses() -> None:
    hepb = schedule_in_force(date(2026, 12, 6)).antigen("hepb")
    assert hepb is not None
    birth = hepb.doses[0]
    assert (str(birth.recommended_age), str(birth.latest_age)) == ("0d", "1d")
    assert (str(birth.catch_up_until), birth.after_catch_up) == ("7d", "skip")


@pytest.mark.parametrize(
    ("on", "version"),
    [
        (date(2018, 1, 1), "2018.1"),
        (date(2026, 2, 14), "2018.1"),
        (date(2026, 2, 15), "2026.1"),
        (date(2026, 12, 6), "2026.1"),
    ],
)
def test_the_version_in_force_is_the_latest_started_by_that_day(on: date, version: str) -> None:
    assert schedule_in_force(on).version == version


def test_no_version_is_in_force_before_the_first() -> None:
    with pytest.raises(LookupError, match="2018-01-01"):
        schedule_in_force(date(2017, 12, 31))


def test_ages_are_calendar_months_and_years() -> None:
    born = date(2026, 1, 31)
    assert Age.parse("1m").after(born) == date(2026, 2, 28)
    assert Age.parse("6w").after(born) == date(2026, 3, 14)
    assert Age.parse("7y").after(date(2024, 2, 29)) == date(2031, 2, 28)


def _broken(change: str) -> dict[str, Any]:
    raw = copy.deepcopy(_raw())
    hepb_dose_2 = raw["antigens"][1]["doses"][1]
    if change == "age":
        hepb_dose_2["min_age"] = "6x"
    elif change == "order":
        hepb_dose_2["min_age"] = "4m"  # after its recommended age, 2m
    elif change == "numbering":
        hepb_dose_2["dose"] = 3
    elif change == "interval":
        del hepb_dose_2["min_interval"]
    elif change == "rule":
        hepb_dose_2["after_catch_up"] = "maybe"
    elif change == "source":
        raw["antigens"][1]["sources"]["ages"] = ["NOWHERE"]
    elif change == "effective":
        raw["effective_from"] = "15/02/2026"
    elif change == "twice":
        raw["antigens"].append(raw["antigens"][0])
    return raw


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ("age", "$.antigens[1].doses[1].min_age"),
        ("order", "$.antigens[1].doses[1]"),
        ("numbering", "$.antigens[1].doses[1].dose"),
        ("interval", "$.antigens[1].doses[1].min_interval"),
        ("rule", "$.antigens[1].doses[1].after_catch_up"),
        ("source", "$.antigens[1].sources.ages"),
        ("effective", "$.effective_from"),
        ("twice", "$.antigens"),
    ],
)
def test_a_malformed_schedule_is_refused_with_where(change: str, where: str) -> None:
    with pytest.raises(ScheduleError) as refused:
        load_schedule(_broken(change), "broken.json")
    assert refused.value.where == where
    assert str(refused.value).startswith("Lịch tiêm chủng không hợp lệ / invalid")
    assert "broken.json" in str(refused.value)


def test_a_schedule_that_is_not_json_is_refused() -> None:
    with pytest.raises(ScheduleError, match="not JSON"):
        load_schedule('{"schedule": ', "cut.json")


def test_a_vaccine_table_naming_an_undeclared_antigen_is_refused() -> None:
    raw = {"antigens": ["bcg"], "products": [
        {"system": "http://hl7.org/fhir/sid/cvx", "code": "19", "antigens": ["bcgg"]}]}  # fmt: skip
    with pytest.raises(ScheduleError, match="bcgg"):
        load_vaccine_table(raw)
