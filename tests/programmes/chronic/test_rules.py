"""Enrolment in the registers from a diagnosis or from measurements: the shipped rule
files (data/rules/hypertension.json, diabetes.json) through the framework's parser."""

from __future__ import annotations

from datetime import date

import pytest

from hoso.programmes.packaged import packaged_document
from hoso.programmes.rules import Rule, parse_rule
from tests.builders.programmes import blood_pressure, diagnosis, lab, record

TODAY = date(2026, 12, 6)
ADULT = "1970-01-01"


def _rule(code: str) -> Rule:
    rule = parse_rule(packaged_document(f"rules/{code}.json"))
    assert rule.source  # every shipped rule names its source
    return rule


def test_hypertension_from_a_diagnosis_or_two_high_readings() -> None:
    rule = _rule("hypertension")
    assert rule.matches(record(ADULT, diagnosis("I11.9")), TODAY)
    two = record(ADULT, blood_pressure("2026-03-01", 145, 85), blood_pressure("2026-04-01", 150,
                                                                              88))  # fmt: skip
    assert rule.matches(two, TODAY)
    assert not rule.matches(record(ADULT, blood_pressure("2026-03-01", 160, 95)), TODAY)
    diastolic = record(ADULT, blood_pressure("2026-03-01", 130, 92),
                       blood_pressure("2026-05-01", 128, 90))  # fmt: skip
    assert rule.matches(diastolic, TODAY)
    old = record(ADULT, blood_pressure("2025-03-01", 145, 85), blood_pressure("2025-04-01", 150,
                                                                              88))  # fmt: skip
    assert not rule.matches(old, TODAY)  # more than a year ago
    assert not rule.matches(record("2010-01-01", diagnosis("I10")), TODAY)  # a child
    assert not rule.matches(record(ADULT, diagnosis("I20.0")), TODAY)


@pytest.mark.parametrize(("code", "unit", "values", "enrolled"), [
    ("1558-6", "mg/dL", (130, 140), True),
    ("1558-6", "mmol/L", (7.5, 8.0), False),  # mmol/L under the mass code: never enrols
    ("14771-0", "mmol/L", (7.1, 9.0), True),
    ("14771-0", "mg/dL", (130, 140), False),  # mg/dL under the moles code: above its max
    ("4548-4", "%", (6.5, 7.0), True),
    ("4548-4", "mmol/mol", (48, 53), False),  # IFCC values above the % range's max
    ("1558-6", "mg/dL", (130, 110), False),  # one result above the threshold is not enough
])  # fmt: skip
def test_diabetes_from_two_results_above_threshold(code: str, unit: str,
                                                   values: tuple[float, float],
                                                   enrolled: bool) -> None:  # fmt: skip
    r = record(ADULT, lab(code, values[0], unit, "2026-06-01"),
               lab(code, values[1], unit, "2026-07-01"))  # fmt: skip
    assert _rule("diabetes").matches(r, TODAY) is enrolled


def test_diabetes_from_a_diagnosis() -> None:
    assert _rule("diabetes").matches(record(ADULT, diagnosis("E11.9")), TODAY)
    resolved = {**diagnosis("E11.9"), "clinicalStatus": {"coding": [{"code": "resolved"}]}}
    assert not _rule("diabetes").matches(record(ADULT, resolved), TODAY)


def test_elderly_from_sixty() -> None:
    rule = _rule("elderly")
    assert rule.matches(record("1966-12-06"), TODAY)
    assert not rule.matches(record("1966-12-07"), TODAY)


def test_the_registry_reads_the_shipped_rules_with_their_decimal_thresholds() -> None:
    from hoso.programmes.registry import packaged_rules  # jsonx reads 6.5 as a Decimal

    rules = packaged_rules()
    r = record(ADULT, lab("4548-4", 6.5, "%", "2026-06-01"), lab("4548-4", 6.6, "%", "2026-07-01"))
    assert rules["diabetes"].matches(r, TODAY)
    assert not rules["diabetes"].matches(
        record(ADULT, lab("4548-4", 6.4, "%", "2026-06-01"), lab("4548-4", 6.4, "%", "2026-07-01")),
        TODAY,
    )
