"""The search-parameter registry generated from the official R4 definitions."""

from __future__ import annotations

import importlib.util
import json
from importlib.resources import files
from pathlib import Path

import pytest

from hoso.fhir.searchparams import (
    COLUMN_KIND,
    compartment_params,
    get_search_param,
    search_params,
    supported_types,
)
from tests.fhir.official_examples import examples_dir

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_TYPES = {
    "Patient", "Practitioner", "PractitionerRole", "Organization", "Location", "Encounter",
    "Condition", "Observation", "DiagnosticReport", "Procedure", "MedicationRequest",
    "MedicationDispense", "MedicationStatement", "Immunization", "AllergyIntolerance",
    "CarePlan", "ServiceRequest", "DocumentReference", "Composition", "Coverage",
    "RelatedPerson", "FamilyMemberHistory", "Consent", "Provenance", "AuditEvent",
    "Appointment", "Schedule", "Slot", "HealthcareService", "Device", "Medication", "Group",
    "Task", "QuestionnaireResponse",
    "AdverseEvent",  # AEFI after a dose (issue 19): in the patient compartment by subject
    "VerificationResult",  # a licence's verification (issue 20): the national side takes it
}  # fmt: skip


def test_supported_types_are_the_required_ones_sorted() -> None:
    types = supported_types()
    assert set(types) == REQUIRED_TYPES
    assert list(types) == sorted(types)


def test_patient_name_parameter() -> None:
    name = get_search_param("Patient", "name")
    assert name is not None
    assert (name.type, name.expression, name.targets) == ("string", "Patient.name", ())
    assert name.url == "http://hl7.org/fhir/SearchParameter/Patient-name"
    assert name.kind == "index" and not name.is_column


def test_multi_base_expression_keeps_only_this_types_members() -> None:
    patient = get_search_param("Observation", "patient")
    assert patient is not None
    assert patient.expression == "Observation.subject.where(resolve() is Patient)"
    assert patient.targets == ("Group", "Patient")  # shared by all bases of clinical-patient
    assert patient.url == "http://hl7.org/fhir/SearchParameter/clinical-patient"
    allergy = get_search_param("AllergyIntolerance", "patient")
    assert allergy is not None and allergy.expression == "AllergyIntolerance.patient"


def test_union_within_one_type_is_kept_whole() -> None:
    combo = get_search_param("Observation", "combo-value-quantity")
    assert combo is not None
    assert combo.expression == (
        "(Observation.value as Quantity) | (Observation.value as SampledData)"
        " | (Observation.component.value as Quantity)"
        " | (Observation.component.value as SampledData)"
    )


def test_reference_targets_are_sorted() -> None:
    subject = get_search_param("Observation", "subject")
    assert subject is not None
    assert subject.targets == ("Device", "Group", "Location", "Patient")


def test_id_and_last_updated_are_column_parameters_on_every_type() -> None:
    for resource_type in supported_types():
        params = search_params(resource_type)
        assert params["_id"].type == "token"
        assert params["_id"].expression == f"{resource_type}.id"
        assert params["_lastUpdated"].type == "date"
        assert params["_id"].kind == params["_lastUpdated"].kind == COLUMN_KIND
        assert params["_id"].is_column


def test_common_index_parameters_name_the_concrete_type() -> None:
    tag = get_search_param("Condition", "_tag")
    assert tag is not None
    assert (tag.type, tag.expression, tag.kind) == ("token", "Condition.meta.tag", "index")
    assert search_params("Patient")["_security"].expression == "Patient.meta.security"
    assert search_params("Slot")["_profile"].type == "uri"
    assert search_params("Slot")["_source"].type == "uri"


def test_composite_special_and_example_parameters_are_left_out() -> None:
    assert get_search_param("Observation", "code-value-quantity") is None  # composite
    assert get_search_param("Location", "near") is None  # special
    assert get_search_param("Patient", "mothersMaidenName") is None  # extension, experimental
    assert get_search_param("Resource", "_text") is None
    assert get_search_param("Patient", "_content") is None


def test_every_expression_starts_at_its_own_type() -> None:
    for resource_type in supported_types():
        for param in search_params(resource_type).values():
            for member in param.expression.split(" | "):
                assert member.startswith((f"{resource_type}.", f"({resource_type}.")), member
            assert param.type in {"token", "string", "date", "reference", "quantity", "uri"}


def test_patient_compartment_parameters() -> None:
    assert compartment_params("Observation") == ("subject", "performer")
    assert compartment_params("Encounter") == ("patient",)
    assert compartment_params("Patient") == ("link",)
    assert compartment_params("Coverage") == ("policy-holder", "subscriber", "beneficiary", "payor")
    assert compartment_params("Practitioner") == ()
    for resource_type in supported_types():
        for code in compartment_params(resource_type):
            assert search_params(resource_type)[code].type == "reference"


def test_unknown_type_has_no_parameters() -> None:
    assert search_params("Basic") == {}
    assert get_search_param("Basic", "code") is None
    assert get_search_param("Patient", "no-such-param") is None
    assert compartment_params("Basic") == ()


def test_search_params_returns_a_copy() -> None:
    search_params("Patient").pop("name")
    assert "name" in search_params("Patient")


def test_data_file_credits_the_cc0_source() -> None:
    document = json.loads((files("hoso.fhir") / "data" / "search_parameters.json").read_text())
    assert "HL7 FHIR R4 4.0.1" in document["_source"]
    assert "CC0" in document["_source"]


@pytest.mark.examples
def test_generator_reproduces_the_committed_file(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_search_parameters", ROOT / "tools" / "gen_search_parameters.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    out = tmp_path / "search_parameters.json"
    assert generator.main([str(examples_dir(request)), "--out", str(out)]) == 0
    committed = (files("hoso.fhir") / "data" / "search_parameters.json").read_bytes()
    assert out.read_bytes() == committed
