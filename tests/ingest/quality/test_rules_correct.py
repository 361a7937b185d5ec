"""Đúng (correct): codes that exist, a CCCD that agrees, possible values and dates."""

from __future__ import annotations

import pytest

from tests.ingest.quality.helpers import (
    DAY_US,
    NOW_US,
    blood_pressure,
    good_condition,
    good_facts,
    good_patient,
    of_rule,
    rules,
    vital,
)


def test_icd10_code_outside_the_ministry_list_is_an_error_at_its_path() -> None:
    bad = good_condition(code={"coding": [
        {"system": "http://snomed.info/sct", "code": "38341003"},
        {"system": "http://hl7.org/fhir/sid/icd-10", "code": "Z99.99"}]})  # fmt: skip
    [issue] = of_rule(bad, "DUNG-001")
    assert issue.severity == "error"
    assert issue.expression == "Condition.code.coding[1].code"
    assert (
        issue.message.startswith("Mã ICD-10 'Z99.99' không có")
        and " / ICD-10 code" in issue.message
    )


@pytest.mark.parametrize("code", ["I10", "E11.9", "E119", "A01.0†"])
def test_listed_icd10_codes_pass_dotted_or_in_the_xml130_form(code: str) -> None:
    ok = good_condition(
        code={"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code}]}
    )
    assert "DUNG-001" not in rules(ok)


def test_atc_code_must_have_the_who_structure() -> None:
    def request(code: str) -> dict:
        return {"resourceType": "MedicationRequest", "status": "completed", "intent": "order",
                "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-05-01",
                "dosageInstruction": [{"text": "1 viên/ngày"}],
                "medicationCodeableConcept": {"coding": [
                    {"system": "http://www.whocc.no/atc", "code": code}]}}  # fmt: skip

    [issue] = of_rule(request("A10BA2"), "DUNG-002")
    assert issue.expression == "MedicationRequest.medicationCodeableConcept.coding[0].code"
    assert rules(request("A10BA02")) == set()


def test_loinc_check_digit_is_verified_in_code_and_components() -> None:
    wrong = vital("8480-5", 120, "mm[Hg]")
    assert [i.expression for i in of_rule(wrong, "DUNG-003")] == ["Observation.code.coding[0].code"]
    bp = blood_pressure(120, 80)
    bp["component"][1]["code"]["coding"][0]["code"] = "8462-3"
    assert [i.expression for i in of_rule(bp, "DUNG-003")] == [
        "Observation.component[1].code.coding[0].code"
    ]
    assert "DUNG-003" not in rules(blood_pressure(120, 80))


def test_cccd_sex_digit_disagreeing_with_gender_is_flagged() -> None:
    # 079 0 90 …: a man born in 1990; recorded as a woman it no longer agrees.
    [issue] = of_rule(good_patient(gender="female"), "DUNG-004")
    assert issue.expression == "Patient.identifier[0].value"
    assert "DUNG-004" not in rules(good_patient(), good_facts())


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "path"),
    [
        ("29463-7", 700, "kg", "Observation.valueQuantity"),  # 70 kg typed 700
        ("29463-7", 900_000, "g", "Observation.valueQuantity"),  # 900 kg in grams
        ("8302-2", 1.7, "cm", "Observation.valueQuantity"),  # metres sent as cm
    ],
)
def test_impossible_weight_and_height_are_errors(
    loinc: str, value: float, unit: str, path: str
) -> None:
    [issue] = of_rule(vital(loinc, value, unit), "DUNG-005")
    assert (issue.expression, issue.severity) == (path, "error")


@pytest.mark.parametrize(
    ("loinc", "value", "unit"),
    [("29463-7", 70, "kg"), ("29463-7", 3200, "g"), ("8302-2", 1.7, "m"), ("8302-2", 48, "cm")],
)
def test_possible_weight_and_height_pass_in_any_known_unit(
    loinc: str, value: float, unit: str
) -> None:
    assert "DUNG-005" not in rules(vital(loinc, value, unit))


def test_impossible_blood_pressure_component_is_found_at_its_index() -> None:
    [issue] = of_rule(blood_pressure(400, 80), "DUNG-005")
    assert issue.expression == "Observation.component[0].valueQuantity"
    assert "Huyết áp tâm thu 400" in issue.message


def test_systolic_not_above_diastolic_is_an_error() -> None:
    assert [i.expression for i in of_rule(blood_pressure(80, 120), "DUNG-006")] == [
        "Observation.component"
    ]
    assert "DUNG-006" not in rules(blood_pressure(120, 80))


def test_birth_in_the_future_is_an_error() -> None:
    [issue] = of_rule(good_patient(birthDate="2027-01-01"), "DUNG-007")
    assert issue.expression == "Patient.birthDate"
    assert issue.message == "Ngày ở tương lai / Date is in the future"


def test_observation_a_few_minutes_ahead_is_clock_drift_a_day_ahead_is_not() -> None:
    drift = vital("29463-7", 70, "kg", effectiveDateTime="2026-06-01T10:05:00+07:00")  # now+5 min
    ahead = vital("29463-7", 70, "kg", effectiveDateTime="2026-06-02T10:00:00+07:00")
    assert "DUNG-007" not in rules(drift)
    assert [i.expression for i in of_rule(ahead, "DUNG-007")] == ["Observation.effectiveDateTime"]


def test_death_before_birth_is_an_error_on_the_death_date() -> None:
    [issue] = of_rule(good_patient(deceasedDateTime="1989-12-31"), "DUNG-008")
    assert issue.expression == "Patient.deceasedDateTime"
    assert issue.message == "Ngày mất trước ngày sinh / Death is before birth"
    assert "DUNG-008" not in rules(good_patient(deceasedDateTime="2020-01-01"))


def test_death_on_the_birth_day_is_possible() -> None:
    assert "DUNG-008" not in rules(good_patient(deceasedDateTime="1990-05-01T10:00:00+07:00"))


def test_encounter_ending_before_it_starts() -> None:
    encounter = {"resourceType": "Encounter", "status": "finished",
                 "subject": {"reference": "Patient/p1"},
                 "serviceProvider": {"reference": "Organization/o1"},
                 "period": {"start": "2026-05-02T08:00:00+07:00",
                            "end": "2026-05-01T09:00:00+07:00"}}  # fmt: skip
    assert [i.expression for i in of_rule(encounter, "DUNG-008")] == ["Encounter.period.end"]
    encounter["period"]["end"] = "2026-05-02T09:00:00+07:00"
    assert "DUNG-008" not in rules(encounter)


def test_living_person_older_than_120() -> None:
    assert [i.expression for i in of_rule(good_patient(birthDate="1900-01-01"), "DUNG-009")] == [
        "Patient.birthDate"
    ]
    assert "DUNG-009" not in rules(good_patient(birthDate="1900-01-01", deceasedBoolean=True))


def test_care_before_birth_is_a_batch_finding() -> None:
    before = good_facts(first_care_us=NOW_US - 20_000 * DAY_US)  # about 1971
    after = good_facts(first_care_us=NOW_US - 100 * DAY_US)
    [issue] = of_rule(good_patient(), "DUNG-010", before)
    assert (issue.kind, issue.expression) == ("batch", "Patient.birthDate")
    assert "DUNG-010" not in rules(good_patient(), after)
