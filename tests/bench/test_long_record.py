"""The health book's benchmark record (`bench.long_record`): ten years, at least 500
resources of every kind the book shows, valid, deterministic, in reference order."""

from __future__ import annotations

from collections import Counter

from bench.long_record import BOOK_RESIDENT, book_patient_id, long_record
from bench.population import big_record_indices, organization_id, practitioner_id

from hoso.fhir.icd10_names import icd10_name
from hoso.fhir.validation import validate_resource

RECORD = list(long_record())


def test_ten_years_of_at_least_500_resources_of_every_kind() -> None:
    kinds = Counter(r["resourceType"] for r in RECORD)
    assert len(RECORD) >= 500
    assert set(kinds) >= {"Encounter", "Condition", "Observation", "MedicationRequest",
                          "Procedure", "Immunization", "AllergyIntolerance", "Coverage",
                          "DocumentReference"}  # fmt: skip
    years = {r["period"]["start"][:4] for r in RECORD if r["resourceType"] == "Encounter"}
    assert years == {str(y) for y in range(2015, 2025)}
    assert BOOK_RESIDENT not in big_record_indices(1_000_000)


def test_the_same_record_every_time_with_unique_ids() -> None:
    assert list(long_record()) == RECORD
    assert len({r["id"] for r in RECORD}) == len(RECORD)
    assert all(r["id"].startswith(f"{book_patient_id()}-hb-") for r in RECORD)


def test_every_resource_is_valid_r4() -> None:
    for resource in RECORD:
        validate_resource(resource)  # raises on an invalid resource


def test_diagnoses_carry_listed_icd10_codes_and_results_their_ranges() -> None:
    codes = {r["code"]["coding"][0]["code"] for r in RECORD if r["resourceType"] == "Condition"}
    assert all(icd10_name(c) for c in codes), codes
    glucose = [r for r in RECORD if r["resourceType"] == "Observation"
               and r["code"]["coding"][0]["code"] == "14771-0"]  # fmt: skip
    assert glucose and all(r["referenceRange"] and r["interpretation"] for r in glucose)
    assert {r["interpretation"][0]["coding"][0]["code"] for r in glucose} >= {"H", "N"}


def test_each_reference_points_at_something_written_before_or_loaded() -> None:
    """The bulk importer meets the targets first: the resident, the population's
    facilities and clinicians, then each Encounter before what happened during it."""
    seen = {f"Patient/{book_patient_id()}"}
    seen |= {f"Organization/{organization_id(k)}" for k in range(5)}
    seen |= {f"Practitioner/{practitioner_id(k)}" for k in range(20)}
    for resource in RECORD:
        for ref in _references(resource):
            assert ref in seen, (resource["id"], ref)
        seen.add(f"{resource['resourceType']}/{resource['id']}")


def _references(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []
