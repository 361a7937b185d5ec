"""CCCD rules: 12 digits is the only hard rule; structure mismatches warn, naming the part.

Every number here is synthetic: valid structure, invented serial.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.identity.cccd import (
    CCCD_PROVINCES,
    check_patient_cccd,
    current_cccds,
    parse_cccd,
)
from tests.builders.patient import patient

SYSTEM = DEFAULT_CCCD_SYSTEM
AT = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)  # 10:00 in Hồ Chí Minh City
MAN_1990_HCMC = "079090001234"
WOMAN_2001_HCMC = "079301004567"


def check(resource: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Diagnostics of (errors, warnings), each asserted to point at an identifier value."""
    errors, warnings = check_patient_cccd(resource, SYSTEM, at=AT)
    for issue in errors:
        assert (issue.severity, issue.code) == ("error", "value")
    for issue in warnings:
        assert (issue.severity, issue.code) == ("warning", "business-rule")
    for issue in errors + warnings:
        assert all(e.startswith("Patient.identifier[") for e in issue.expression)
        assert " / " in issue.diagnostics  # Vietnamese, then English
    return [i.diagnostics for i in errors], [i.diagnostics for i in warnings]


def test_province_table() -> None:
    assert len(CCCD_PROVINCES) == 63
    assert CCCD_PROVINCES["079"] == "TP. Hồ Chí Minh"
    assert all(len(code) == 3 and code.isdigit() for code in CCCD_PROVINCES)


def test_parse_man_born_1990_in_hcmc() -> None:
    parts = parse_cccd(MAN_1990_HCMC)
    assert (parts.province, parts.sex, parts.birth_year, parts.serial) == (
        "TP. Hồ Chí Minh", "male", 1990, "001234")


def test_parse_woman_born_2001_in_hcmc() -> None:
    parts = parse_cccd(WOMAN_2001_HCMC)
    assert (parts.place_code, parts.century_sex, parts.sex, parts.century_start,
            parts.birth_year) == ("079", 3, "female", 2000, 2001)


@pytest.mark.parametrize("value", [
    "07909000123", "0790900012345", "07909000123A", "079 90001234", "", None, 79090001234,
    "٠٧٩٠٩٠٠٠١٢٣٤",  # Arabic-Indic digits: str.isdigit() says yes, the rule says no
])
def test_parse_rejects_anything_but_twelve_digits(value: Any) -> None:
    with pytest.raises(ValueError, match="12"):
        parse_cccd(value)


def test_matching_patients_have_no_findings() -> None:
    assert check(patient(cccd=MAN_1990_HCMC, gender="male", birth_date="1990-05-01")) == ([], [])
    assert check(patient(cccd=WOMAN_2001_HCMC, gender="female", birth_date="2001")) == ([], [])


@pytest.mark.parametrize("value", ["07909000123", "07909000123A", "079-090-001234"])
def test_malformed_number_is_an_error(value: str) -> None:
    resource = patient(cccd=value)
    resource["identifier"].insert(0, {"system": "urn:other", "value": "x"})
    errors, warnings = check_patient_cccd(resource, SYSTEM, at=AT)
    assert [e.expression for e in errors] == [("Patient.identifier[1].value",)]
    assert "12" in errors[0].diagnostics and warnings == []


@pytest.mark.parametrize(("cccd", "gender", "birth", "part"), [
    ("079290001234", "male", "1990-05-01", "Century digit"),  # G=2 says 2000s
    ("079091001234", "male", "1990-05-01", "Year digits"),
    ("079190001234", "male", "1990-05-01", "Sex digit"),  # G=1: woman, 1900s
    ("079090001234", "female", "1990-05-01", "Sex digit"),
    ("999090001234", "male", "1990-05-01", "not a province code"),
])
def test_each_disagreeing_part_is_named(cccd: str, gender: str, birth: str, part: str) -> None:
    errors, warnings = check(patient(cccd=cccd, gender=gender, birth_date=birth))
    assert errors == []
    assert len(warnings) == 1 and part in warnings[0]


def test_province_warning_is_in_vietnamese_first() -> None:
    _, [warning] = check(patient(cccd="840090001234"))
    assert warning.startswith("Mã nơi đăng ký khai sinh 840 không phải mã tỉnh")


def test_century_and_year_both_named_when_both_disagree() -> None:
    _, warnings = check(patient(cccd="079285001234", birth_date="1990-05-01"))
    assert [w.split(" / ")[1].split(" ")[0] for w in warnings] == ["Century", "Year"]


def test_unknown_sex_or_birth_date_is_not_a_mismatch() -> None:
    resource = patient(cccd=MAN_1990_HCMC, gender="unknown")
    del resource["birthDate"]
    assert check(resource) == ([], [])


def test_birth_year_in_the_future_warns_without_birth_date() -> None:
    resource = patient(cccd="079490001234")  # G=4: 2190
    del resource["birthDate"]
    _, [warning] = check(resource)
    assert "2190" in warning


def cancelled(value: str, end: str) -> dict[str, Any]:
    return {"system": SYSTEM, "value": value, "period": {"start": "2016-01-01", "end": end}}


def test_cancelled_number_is_history_not_current() -> None:
    resource = patient(cccd=WOMAN_2001_HCMC, gender="female", birth_date="2001-02-03")
    resource["identifier"].insert(0, cancelled("079190001234", "2024-07-01"))  # wrong sex digit
    assert current_cccds(resource, SYSTEM, at=AT) == [WOMAN_2001_HCMC]
    assert check(resource) == ([], [])  # a cancelled number's structure is not judged again


def test_cancelled_number_must_still_be_twelve_digits() -> None:
    resource = patient(cccd=WOMAN_2001_HCMC, gender="female", birth_date="2001")
    resource["identifier"].append(cancelled("0793010045", "2024-07-01"))
    errors, _ = check(resource)
    assert len(errors) == 1


@pytest.mark.parametrize(("end", "current"), [
    ("2025-06-01", True),  # the end date includes the whole day
    ("2025-05-31", False),
    ("2025-06", True),
    ("2025-05", False),
    ("2025", True),
    ("2024", False),
    ("2025-06-01T09:59:59+07:00", False),
    ("2025-06-01T10:00:01+07:00", True),
    ("2030-01-01", True),
])
def test_current_means_no_end_or_end_still_ahead(end: str, current: bool) -> None:
    resource = patient(identifier=[cancelled(MAN_1990_HCMC, end)], cccd=None)
    assert current_cccds(resource, SYSTEM, at=AT) == ([MAN_1990_HCMC] if current else [])


def test_use_old_marks_a_number_out_of_force() -> None:
    old = {"system": SYSTEM, "value": MAN_1990_HCMC, "use": "old"}
    assert current_cccds(patient(cccd=None, identifier=[old]), SYSTEM, at=AT) == []


def test_other_systems_are_ignored() -> None:
    resource = patient(cccd=None, identifier=[{"system": "urn:bhyt", "value": "GD479"}])
    assert current_cccds(resource, SYSTEM, at=AT) == []
    assert check(resource) == ([], [])


def test_two_current_numbers_warn() -> None:
    resource = patient(cccd=MAN_1990_HCMC)
    resource["identifier"].append({"system": SYSTEM, "value": "079090009876"})
    _, warnings = check_patient_cccd(resource, SYSTEM, at=AT)
    assert [w.expression for w in warnings] == [
        ("Patient.identifier[0].value", "Patient.identifier[1].value")]
    assert current_cccds(resource, SYSTEM, at=AT) == [MAN_1990_HCMC, "079090009876"]
