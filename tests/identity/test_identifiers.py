"""All identifier rules of a Patient at once: errors for malformed values, warnings else.

Numbers are invented; the synthetic population is the project's own generator.
"""

from __future__ import annotations

from datetime import UTC, datetime
from random import Random
from typing import Any

import pytest

from hoso.core.errors import Issue
from hoso.core.settings import (
    DEFAULT_BHXH_SYSTEM,
    DEFAULT_BHYT_SYSTEM,
    DEFAULT_CCCD_SYSTEM,
    Settings,
)
from hoso.identity.identifiers import check_patient_identifiers
from hoso.identity.passport import passport_system
from hoso.synth.facilities import build_network
from hoso.synth.people import coverage_resource, household, patient_resource
from tests.builders.patient import patient

SETTINGS = Settings(database_url="sqlite://")
AT = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)
CARD = "DN4790123456789"
BHXH = "0123456789"
PPN = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PPN"}]}


def with_ids(*extra: dict[str, Any]) -> dict[str, Any]:
    """The builder's Patient (a valid CCCD at index 0) with more identifiers after it."""
    resource = patient()
    resource["identifier"] = [*resource["identifier"], *extra]
    return resource


def check(resource: dict[str, Any]) -> tuple[list[Issue], list[Issue]]:
    errors, warnings = check_patient_identifiers(resource, SETTINGS, at=AT)
    assert all((i.severity, i.code) == ("error", "value") for i in errors)
    assert all((i.severity, i.code) == ("warning", "business-rule") for i in warnings)
    assert all(" / " in i.diagnostics for i in errors + warnings)  # Vietnamese / English
    return errors, warnings


def test_cccd_card_and_social_insurance_number_that_agree_pass() -> None:
    resource = with_ids({"system": DEFAULT_BHYT_SYSTEM, "value": CARD},
                        {"system": DEFAULT_BHXH_SYSTEM, "value": BHXH})
    assert check(resource) == ([], [])


def test_cccd_rules_are_part_of_it() -> None:
    errors, _ = check(patient(cccd="07909000123"))
    assert [(e.expression, e.diagnostics.split(" / ")[1]) for e in errors] == [
        (("Patient.identifier[0].value",), "A CCCD number must be exactly 12 digits")]
    _, warnings = check(patient(cccd="079090001234", gender="female"))
    assert [w.expression for w in warnings] == [("Patient.identifier[0].value",)]
    assert "Sex digit 0 (male) does not match gender female" in warnings[0].diagnostics


def test_malformed_card_is_an_error_at_its_index() -> None:
    errors, warnings = check(with_ids({"system": "urn:mrn", "value": "x"},
                                      {"system": DEFAULT_BHYT_SYSTEM, "value": "DN479012345"}))
    assert warnings == []
    assert [e.expression for e in errors] == [("Patient.identifier[2].value",)]
    assert errors[0].diagnostics == (
        "Mã thẻ BHYT phải gồm 15 ký tự (hoặc 10 chữ số mã số BHXH), nhận được 11 ký tự / "
        "A BHYT card code must be 15 characters (or the 10-digit social-insurance number), "
        "got 11")


def test_malformed_social_insurance_number_is_an_error() -> None:
    errors, _ = check(with_ids({"system": DEFAULT_BHXH_SYSTEM, "value": "012345678"}))
    assert [e.expression for e in errors] == [("Patient.identifier[1].value",)]
    assert errors[0].diagnostics.startswith("Mã số BHXH phải gồm đúng 10 chữ số")


def test_suspicious_card_is_stored_with_warnings() -> None:
    errors, warnings = check(with_ids({"system": DEFAULT_BHYT_SYSTEM, "value": "TE4030123456789"}))
    assert errors == []
    assert [w.diagnostics.split(" / ")[1] for w in warnings] == [
        "Benefit level 4 does not fit beneficiary group TE (usually level 1)",
        "Province code 03 in the BHYT card code is not a known province"]
    assert all(w.expression == ("Patient.identifier[1].value",) for w in warnings)


def test_card_of_another_social_insurance_number_warns_at_both() -> None:
    errors, warnings = check(with_ids({"system": DEFAULT_BHYT_SYSTEM, "value": CARD},
                                      {"system": DEFAULT_BHXH_SYSTEM, "value": "7900000001"}))
    assert errors == []
    [warning] = warnings
    assert warning.expression == ("Patient.identifier[1].value", "Patient.identifier[2].value")
    assert warning.diagnostics == (
        "Mã số BHXH 0123456789 trong mã thẻ BHYT DN4790123456789 không khớp mã số BHXH của "
        "người bệnh (7900000001) / Social-insurance number 0123456789 in BHYT card "
        "DN4790123456789 does not match the Patient's social-insurance number (7900000001)")


def test_ten_digit_card_needs_no_cross_check() -> None:
    resource = with_ids({"system": DEFAULT_BHYT_SYSTEM, "value": "7900000001"},
                        {"system": DEFAULT_BHXH_SYSTEM, "value": BHXH})
    assert check(resource) == ([], [])


def test_passports() -> None:
    vietnamese = {"system": passport_system("VNM"), "value": "C1234567"}
    korean = {"system": passport_system("KOR"), "value": "M12345678"}
    assert check(with_ids(vietnamese, korean)) == ([], [])
    errors, _ = check(with_ids({"system": passport_system("VNM"), "value": "M12345678"}))
    assert errors[0].diagnostics.startswith("Số hộ chiếu Việt Nam gồm 1 chữ cái và 7 chữ số")
    _, warnings = check(with_ids({"system": "urn:clinic:passport", "type": PPN,
                                  "value": "M12345678"}))
    assert [w.diagnostics.split(" / ")[1].split(";")[0] for w in warnings] == [
        "The issuing country of the passport is unknown"]


def test_a_foreigner_without_cccd_is_checked_on_the_passport_alone() -> None:
    resource = patient(cccd=None, identifier=[
        {"system": passport_system("USA"), "value": "123"}])
    errors, _ = check(resource)
    assert [e.expression for e in errors] == [("Patient.identifier[0].value",)]
    assert "must be 5 to 9 characters long (ICAO 9303), got 3" in errors[0].diagnostics


def test_every_error_is_reported_not_only_the_first() -> None:
    errors, _ = check(patient(cccd=None, identifier=[
        {"system": DEFAULT_CCCD_SYSTEM, "value": "12"},
        {"system": DEFAULT_BHYT_SYSTEM, "value": "dn4790123456789"},
        {"system": DEFAULT_BHXH_SYSTEM, "value": "abc"},
        {"system": passport_system("VNM"), "value": "c1234567"}]))
    assert [e.expression[0] for e in errors] == [f"Patient.identifier[{i}].value" for i in range(4)]


def test_systems_come_from_settings() -> None:
    settings = Settings(database_url="sqlite://", bhyt_system="urn:bhyt", bhxh_system="urn:bhxh")
    resource = with_ids({"system": DEFAULT_BHYT_SYSTEM, "value": "not a card"},
                        {"system": "urn:bhyt", "value": "bad"})
    errors, _ = check_patient_identifiers(resource, settings, at=AT)
    assert [e.expression for e in errors] == [("Patient.identifier[2].value",)]


def test_ignores_identifiers_that_are_not_objects() -> None:
    assert check({"resourceType": "Patient", "identifier": ["DN4790123456789", None]}) == ([], [])
    assert check({"resourceType": "Patient"}) == ([], [])


@pytest.mark.parametrize("seed", [3, 11])
def test_synthetic_population_passes_without_errors_or_warnings(seed: int) -> None:
    """Everyone the generator makes, with the card and number of their Coverage added."""
    net, rng = build_network(300, seed), Random(seed)
    people = [p for first in range(0, 300, 4) for p in household(rng, first, 4, seed, net)]
    cards = 0
    for p in people:
        resource = patient_resource(p)
        coverage = coverage_resource(p, Random(p.index), net.payor_id, seed)
        if coverage:
            resource["identifier"] += coverage["identifier"]
            cards += 1
        assert check_patient_identifiers(resource, SETTINGS) == ([], []), resource["identifier"]
    assert cards > 250
