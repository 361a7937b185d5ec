"""Đủ (complete): the fields of the Ministry's personal health record template
(QĐ 831/QĐ-BYT section I) and what a clinical record needs."""

from __future__ import annotations

from typing import Any

import pytest

from hoso.core.settings import DEFAULT_BHXH_SYSTEM, DEFAULT_CCCD_SYSTEM
from tests.ingest.quality.helpers import (
    good_condition,
    good_facts,
    good_patient,
    of_rule,
    rules,
    vital,
)

DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def _without(resource: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in keys}


@pytest.mark.parametrize(
    ("missing", "code", "path"),
    [
        ("name", "DU-001", "Patient.name"),
        ("gender", "DU-002", "Patient.gender"),
        ("birthDate", "DU-003", "Patient.birthDate"),
        ("identifier", "DU-004", "Patient.identifier"),
        ("address", "DU-005", "Patient.address"),
        ("telecom", "DU-006", "Patient.telecom"),
    ],
)
def test_each_template_field_missing_is_reported_at_its_element(
    missing: str, code: str, path: str
) -> None:
    found = of_rule(_without(good_patient(), missing), code, good_facts())
    assert [i.expression for i in found] == [path]
    assert found[0].message.startswith("Thiếu ")
    assert "DU-" not in "".join(rules(good_patient(), good_facts()))


def test_address_without_ward_or_province() -> None:
    address = [{"use": "home", "line": ["12 Lê Lợi"]}]
    found = [i.expression for i in of_rule(good_patient(address=address), "DU-005")]
    assert found == ["Patient.address.city", "Patient.address.state"]


def test_missing_cccd_is_explained_by_a_newborn_a_foreigner_or_a_reason() -> None:
    newborn = _without(good_patient(birthDate="2026-04-01"), "identifier")
    passport = good_patient()
    passport["identifier"] = [{
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                             "code": "PPN"}]}, "value": "C1234567"}]  # fmt: skip
    reason = good_patient()
    reason["identifier"] = [{
        "system": DEFAULT_CCCD_SYSTEM,
        "_value": {"extension": [{"url": DATA_ABSENT, "valueCode": "asked-declined"}]},
    }]  # fmt: skip
    for explained in (newborn, passport, reason):
        assert "DU-004" not in rules(explained)


def test_phone_is_asked_from_15_years_only() -> None:
    child = _without(good_patient(birthDate="2020-01-01"), "telecom")
    assert "DU-006" not in rules(child)
    guardian = _without(good_patient(), "telecom")
    guardian["contact"] = [{"telecom": [{"system": "phone", "value": "0903123456"}]}]
    assert "DU-006" not in rules(guardian)


def test_bhyt_needs_a_coverage_or_number_known_to_the_batch_only() -> None:
    assert [i.kind for i in of_rule(good_patient(), "DU-007", good_facts(covered=False))] == [
        "batch"
    ]
    assert "DU-007" not in rules(good_patient(), good_facts(covered=True))
    assert "DU-007" not in rules(good_patient())  # a single write cannot tell
    with_number = good_patient()
    with_number["identifier"].append({"system": DEFAULT_BHXH_SYSTEM, "value": "7912345678"})
    assert "DU-007" not in rules(with_number, good_facts(covered=False))


def test_observation_without_time_or_value() -> None:
    bare = _without(vital("29463-7", 70, "kg"), "effectiveDateTime", "valueQuantity")
    assert [i.expression for i in of_rule(bare, "DU-008")] == [
        "Observation.effective",
        "Observation.value",
    ]
    assert "DU-008" not in rules(vital("29463-7", 70, "kg"))


def test_condition_without_icd10_status_or_date() -> None:
    bare = good_condition(code={"text": "Tăng huyết áp"})
    bare = _without(bare, "clinicalStatus", "recordedDate")
    assert [i.expression for i in of_rule(bare, "DU-009")] == [
        "Condition.code",
        "Condition.clinicalStatus",
        "Condition.recordedDate",
    ]
    assert "DU-009" not in rules(good_condition())


def test_vaccination_needs_lot_and_expiry_unless_not_done() -> None:
    given = {"resourceType": "Immunization", "status": "completed",
             "vaccineCode": {"text": "Viêm gan B"}, "patient": {"reference": "Patient/p1"},
             "occurrenceDateTime": "2026-05-01"}  # fmt: skip
    assert [i.expression for i in of_rule(given, "DU-012")] == [
        "Immunization.lotNumber",
        "Immunization.expirationDate",
    ]
    assert "DU-012" not in rules({**given, "lotNumber": "L1", "expirationDate": "2027-01-01"})
    assert "DU-012" not in rules({**given, "status": "not-done"})
