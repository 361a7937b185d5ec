"""Structural validation: one issue per problem, FHIRPath paths, R4 content never rejected.

The `examples` tests hold the evidence behind `hoso.fhir.validation`'s R4B shims: the R4B
models are compared element by element with the R4 core StructureDefinitions, and every
official R4 example of the types Hồ Sơ stores must pass, or be listed in
`data/invalid_examples.json` ("<FHIRPath of the first error>: <reason>").
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from hoso.core.errors import InvalidResource, Issue
from hoso.fhir.json_walk import _fields
from hoso.fhir.r4_rules import R4_CODES, R4_TARGETS
from hoso.fhir.validation import validate_resource
from tests.builders.patient import patient
from tests.fhir.official_examples import examples_dir

LISTED_TYPES = [
    "Patient", "Practitioner", "PractitionerRole", "Organization", "Location", "Encounter",
    "Condition", "Observation", "DiagnosticReport", "Procedure", "MedicationRequest",
    "MedicationDispense", "MedicationStatement", "Immunization", "AllergyIntolerance", "CarePlan",
    "ServiceRequest", "DocumentReference", "Composition", "Coverage", "RelatedPerson",
    "FamilyMemberHistory", "Consent", "Provenance", "AuditEvent", "Appointment", "Schedule",
    "Slot", "HealthcareService", "Device", "Medication", "Group",
]
INVALID_EXAMPLES: dict[str, str] = json.loads(
    (Path(__file__).parent / "data" / "invalid_examples.json").read_text(encoding="utf-8"))
UUID1 = "urn:uuid:a7a9f5dc-e931-11f1-92dd-02fc00000001"  # version 1: R4 takes it, R4B not
# Valid structure, but a reference to a type R4 does not allow there: kept, with a warning.
EXAMPLE_WARNINGS = {
    "Observation-clinical-gender.json": "Observation.performer[0].reference",
    "MedicationRequest-medrx0301.json": "MedicationRequest.dispenseRequest.performer.reference",
}


def observation(**extra: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "code": {"text": "Mạch"},
            "subject": {"reference": "Patient/p1"}, **extra}


def rejected(resource: Any) -> list[Issue]:
    with pytest.raises(InvalidResource) as caught:
        validate_resource(resource)
    return [i for i in caught.value.issues if i.severity == "error"]


def one_error(resource: Any) -> Issue:
    errors = rejected(resource)
    assert len(errors) == 1, errors
    return errors[0]


# --- the envelope --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, [], "Patient", 3])
def test_non_object_is_rejected(value: Any) -> None:
    assert "resourceType" in one_error(value).diagnostics


@pytest.mark.parametrize(("resource", "code"), [
    ({"id": "x"}, "required"),
    ({"resourceType": "Nope"}, "structure"),
    ({"resourceType": "Citation", "status": "draft"}, "structure"),  # R4B only
    ({"resourceType": "MedicinalProduct"}, "not-supported"),  # R4 only
])
def test_resource_type_is_checked(resource: dict[str, Any], code: str) -> None:
    issue = one_error(resource)
    assert issue.code == code
    assert "resourceType" in issue.diagnostics


def test_valid_patient_passes_without_warnings() -> None:
    assert validate_resource(patient()) == []


# --- one issue per problem, with its FHIRPath ------------------------------------------------


@pytest.mark.parametrize(("resource", "path", "code"), [
    (patient(nickname="An"), "Patient.nickname", "structure"),
    (patient(name=[{"family": "Lê", "nick": "Tí"}]), "Patient.name[0].nick", "structure"),
    (patient(active="yes"), "Patient.active", "structure"),
    (patient(multipleBirthInteger="2"), "Patient.multipleBirthInteger", "structure"),
    (patient(multipleBirthInteger=2.5), "Patient.multipleBirthInteger", "structure"),
    (patient(name={"family": "Lê"}), "Patient.name", "structure"),
    (patient(name=[{"family": ["Lê"]}]), "Patient.name[0].family", "structure"),
    (patient(name=[{"given": "An"}]), "Patient.name[0].given", "structure"),
    (observation(valueQuantity={"value": "1.5"}), "Observation.valueQuantity.value", "structure"),
    (observation(valueQuantity={"value": True}), "Observation.valueQuantity.value", "structure"),
    (patient(id="x" * 65), "Patient.id", "value"),
    (patient(id="a b"), "Patient.id", "value"),
    (patient(gender="mal"), "Patient.gender", "code-invalid"),
    (observation(status="done"), "Observation.status", "code-invalid"),
    (patient(contact=[{"name": {"family": 1}}]), "Patient.contact[0].name.family", "structure"),
    (patient(text={"status": "generated", "div": "plain"}), "Patient.text.div", "value"),
])
def test_wrong_element_or_type(resource: dict[str, Any], path: str, code: str) -> None:
    issue = one_error(resource)
    assert (issue.expression, issue.code) == ((path,), code)


@pytest.mark.parametrize(("element", "value", "message"), [
    ("birthDate", "2021-02-30", "Ngày không hợp lệ / Invalid date"),
    ("birthDate", "2019-02-29", "Ngày không hợp lệ / Invalid date"),
    ("birthDate", "1990-13", "Ngày không hợp lệ / Invalid date"),
    ("birthDate", "1990-05-01T00:00:00Z", "Ngày không hợp lệ / Invalid date"),
    ("birthDate", "01/05/1990", "Ngày không hợp lệ / Invalid date"),
    ("deceasedDateTime", "2021-04-31T10:00:00+07:00", "Invalid dateTime"),
    ("deceasedDateTime", "2021-02-28T10:00:00", "Invalid dateTime"),  # time without zone
    ("deceasedDateTime", "2021-02-28T24:00:00Z", "Invalid dateTime"),
])
def test_bad_dates_are_named(element: str, value: str, message: str) -> None:
    issue = one_error(patient(**{element: value}))
    assert issue.expression == (f"Patient.{element}",)
    assert message in issue.diagnostics


@pytest.mark.parametrize(("element", "value"), [
    ("birthDate", "2020-02-29"), ("birthDate", "1990"), ("birthDate", "1990-05"),
    ("deceasedDateTime", "2024-03-01T08:30:00.123+07:00"), ("deceasedDateTime", "2024"),
])
def test_good_dates_pass(element: str, value: str) -> None:
    assert validate_resource(patient(**{element: value})) == []


def test_instant_needs_time_and_zone() -> None:
    issue = one_error(patient(meta={"lastUpdated": "2024-03-01"}))
    assert issue.expression == ("Patient.meta.lastUpdated",)
    assert "Invalid instant" in issue.diagnostics


@pytest.mark.parametrize(("resource", "path"), [
    ({"resourceType": "Observation", "status": "final"}, "Observation.code"),
    (patient(link=[{"type": "seealso"}]), "Patient.link[0].other"),
    ({"resourceType": "MedicationRequest", "status": "active", "intent": "order",
      "subject": {"reference": "Patient/p1"}}, "MedicationRequest.medication[x]"),
])
def test_missing_required_element(resource: dict[str, Any], path: str) -> None:
    issue = one_error(resource)
    assert (issue.expression, issue.code) == ((path,), "required")


def test_two_choice_types_name_both() -> None:
    issue = one_error(observation(valueQuantity={"value": 1}, valueString="1"))
    assert set(issue.expression) == {"Observation.valueQuantity", "Observation.valueString"}


@pytest.mark.parametrize(("resource", "path"), [
    (patient(birthDate=None), "Patient.birthDate"),
    (patient(name=[]), "Patient.name"),
    (patient(name=[{}]), "Patient.name[0]"),
    (patient(name=[None]), "Patient.name[0]"),
    (patient(name=[{"family": ""}]), "Patient.name[0].family"),
    (patient(name=[{"given": ["An", None]}]), "Patient.name[0].given[1]"),
    (observation(code={}), "Observation.code"),
])
def test_json_format_rules(resource: dict[str, Any], path: str) -> None:
    assert one_error(resource).expression == (path,)


def test_primitive_extensions() -> None:
    ext = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                          "valueDateTime": "1990-05-01T07:30:00+07:00"}]}
    assert validate_resource(patient(_birthDate=ext)) == []
    given = [{"family": "Lê", "given": ["An", None], "_given": [None, ext]}]
    assert validate_resource(patient(name=given)) == []
    bad = {"extension": [{"url": 7, "valueString": "x"}]}
    assert one_error(patient(_birthDate=bad)).expression == ("Patient.birthDate.extension[0].url",)
    short = [{"given": ["An", "Bình"], "_given": [ext]}]
    assert one_error(patient(name=short)).expression == ("Patient.name[0].given",)


def test_every_problem_is_reported_once() -> None:
    resource = patient(active="no", birthDate="1990-02-30", gender="nam", foo=1,
                       name=[{"family": ""}])
    errors = rejected(resource)
    assert sorted(e.expression[0] for e in errors) == [
        "Patient.active", "Patient.birthDate", "Patient.foo", "Patient.gender",
        "Patient.name[0].family"]
    assert all(" / " in e.diagnostics for e in errors)


def test_nested_resources_get_full_paths() -> None:
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": patient()}, {"resource": observation(status="x")}]}
    assert one_error(bundle).expression == ("Bundle.entry[1].resource.status",)
    contained = patient(contained=[{"resourceType": "Nope"}])
    assert one_error(contained).expression == ("Patient.contained[0]",)
    untyped = patient(contained=[{"status": "final"}])
    assert one_error(untyped).code == "required"


def test_malformed_input_the_models_trip_on_is_still_one_issue() -> None:
    endpoint = {"resourceType": "Endpoint", "status": "active", "connectionType": {"code": "x"},
                "payloadType": [{"text": "x"}], "address": [1, 2]}  # fhir_core raises TypeError
    assert one_error(endpoint).expression == ("Endpoint.address",)


def test_input_is_never_changed() -> None:
    resource = patient(extension=[
        {"url": "http://example.org/a", "valueMeta": {"versionId": "1"}},
        {"url": "http://example.org/b", "valueUuid": UUID1},
    ])
    before = copy.deepcopy(resource)
    validate_resource(resource)
    assert resource == before


# --- R4 content the R4B models do not take as such ----------------------------------------


@pytest.mark.parametrize("extension", [
    {"url": "http://example.org/m", "valueMeta": {"versionId": "1", "tag": [{"code": "x"}]}},
    {"url": "http://example.org/s", "valueString": "x", "_valueString": {"id": "v"}},
    {"url": "http://example.org/u", "valueUuid": UUID1},
])
def test_r4_extension_values_pass(extension: dict[str, Any]) -> None:
    assert validate_resource(patient(extension=[extension])) == []


@pytest.mark.parametrize(("extension", "path"), [
    ({"url": "http://example.org/m", "valueMeta": {"lastUpdated": "2024"}},
     "Patient.extension[0].valueMeta.lastUpdated"),
    ({"url": "http://example.org/m", "valueMeta": {"versionId": "1", "x": 1}},
     "Patient.extension[0].valueMeta.x"),
    ({"url": "http://example.org/u", "valueUuid": "a7a9f5dc-e931-11f1-92dd-02fc00000001"},
     "Patient.extension[0].valueUuid"),  # R4 wants the urn:uuid: form
    ({"url": "http://example.org/r", "valueRatioRange": {"denominator": {"value": 1}}},
     "Patient.extension[0].valueRatioRange"),  # R4B only
])
def test_r4_extension_values_are_still_checked(extension: dict[str, Any], path: str) -> None:
    assert one_error(patient(extension=[extension])).expression == (path,)


def test_r4_codes_that_r4b_truncates_pass() -> None:
    assert validate_resource(observation(status="entered-in-error")) == []
    encounter = {"resourceType": "Encounter", "status": "cancelled", "class": {"code": "AMB"}}
    assert validate_resource(encounter) == []


# --- warnings --------------------------------------------------------------------------------


def test_reference_to_a_type_r4_does_not_allow_warns() -> None:
    resource = observation(subject={"reference": "Practitioner/d1"})  # R4B would allow it
    [warning] = validate_resource(resource)
    assert (warning.severity, warning.expression) == ("warning", ("Observation.subject.reference",))


def test_control_characters_warn() -> None:
    [warning] = validate_resource(patient(name=[{"family": "Lê\x07"}]))
    assert warning.expression == ("Patient.name[0].family",)


def test_warnings_travel_with_errors() -> None:
    with pytest.raises(InvalidResource) as caught:
        validate_resource(observation(status="x", subject={"reference": "Medication/m"}))
    assert [i.severity for i in caught.value.issues] == ["error", "warning"]


# --- the official R4 examples and the R4 definitions -----------------------------------------


@pytest.fixture(scope="module")
def examples(request: pytest.FixtureRequest) -> Path:
    return examples_dir(request)


def _example(examples: Path, name: str) -> dict[str, Any]:
    return json.loads((examples / name).read_text(encoding="utf-8"))


@pytest.mark.examples
@pytest.mark.parametrize("rtype", LISTED_TYPES)
def test_official_examples_pass(examples: Path, rtype: str) -> None:
    files = sorted(p.name for p in examples.glob(f"{rtype}-*.json"))
    assert files
    for name in files:
        resource = _example(examples, name)
        if name in INVALID_EXAMPLES or resource.get("resourceType") != rtype:
            continue
        warnings = validate_resource(resource)
        assert [w.expression[0] for w in warnings] == (
            [EXAMPLE_WARNINGS[name]] if name in EXAMPLE_WARNINGS else []), name


@pytest.mark.examples
@pytest.mark.parametrize("name", sorted(INVALID_EXAMPLES))
def test_invalid_examples_fail_where_recorded(examples: Path, name: str) -> None:
    path = INVALID_EXAMPLES[name].split(": ", 1)[0]
    assert rejected(_example(examples, name))[0].expression == (path,)


def _definitions(examples: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for file in examples.glob("StructureDefinition-*.json"):
        sd = json.loads(file.read_text(encoding="utf-8"))
        if sd.get("derivation") == "specialization" and sd["kind"] in ("resource", "complex-type"):
            found[sd["type"]] = sd
    return found


_SAME_KINDS = ["boolean", "integer", "decimal", "date", "dateTime", "instant", "time", "id",
               "code", "uuid", "xhtml"]
_R4_KINDS = {"unsignedInt": "integer", "positiveInt": "integer"} | {t: t for t in _SAME_KINDS}


@pytest.mark.examples
def test_r4b_models_match_the_r4_definitions(examples: Path) -> None:
    """Element names, repetition, required-ness and JSON kind agree once shims apply."""
    definitions, problems = _definitions(examples), []
    datatypes = [t for t, sd in definitions.items() if sd["kind"] == "complex-type"
                 and t not in ("Element", "BackboneElement", "MarketingStatus", "SubstanceAmount",
                               "ElementDefinition", "ProdCharacteristic", "Population")]
    for rtype in [*LISTED_TYPES, *datatypes]:
        model = get_fhir_model_class(rtype) if rtype in LISTED_TYPES else getattr(
            __import__(f"fhir.resources.R4B.{rtype.lower()}", fromlist=[rtype]), rtype)
        problems += _compare(definitions[rtype], model)
    assert problems == []


def _compare(sd: dict[str, Any], model: Any) -> list[str]:
    classes, seen, problems = {sd["type"]: model}, {}, []
    for element in sd["snapshot"]["element"][1:]:
        parent, _, name = element["path"].rpartition(".")
        table, codes = _fields(classes[parent]), [t["code"] for t in element.get("type", [])]
        choices = {f"{name[:-3]}{c[0].upper()}{c[1:]}": c for c in codes}
        for json_name, code in (choices if name.endswith("[x]") else {name: None}).items():
            seen.setdefault(parent, set()).add(json_name)
            f = table.get(json_name)
            if f is None:
                problems.append(f"{parent}.{json_name}: missing")
                continue
            expected = _R4_KINDS.get(code or (codes or ["complex"])[0], "string")
            if f.model is not None:
                expected = f.kind
            elif json_name == "id" and parent == sd["type"] and sd["kind"] == "resource":
                expected = "id"  # the R4 snapshot types Resource.id as System.String
            if f.many != (element["max"] != "1") or f.kind != expected:
                problems.append(f"{parent}.{json_name}: many={f.many} kind={f.kind}")
            if _required(classes[parent], json_name) not in (None, element["min"] > 0):
                problems.append(f"{parent}.{json_name}: required differs")
            if f.model is not None and f.kind == "complex" and not name.endswith("[x]"):
                classes[element["path"]] = f.model
    for parent, names in seen.items():
        extra_names = {a for a in _fields(classes[parent]) if not a.startswith("_")} - names
        problems += [f"{parent}.{a}: not in R4" for a in sorted(extra_names)]
    return problems


def _required(model: Any, alias: str) -> bool | None:
    """None for an element the shims add (R4B has no field for it)."""
    info = next((i for i in model.model_fields.values() if i.alias == alias), None)
    if info is None:
        return None
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return info.is_required() or bool(
        extra.get("element_required") or extra.get("one_of_many_required"))


@pytest.mark.examples
def test_r4_code_and_target_fixes_match_r4(examples: Path) -> None:
    definitions = _definitions(examples)
    for (owner, element), codes in R4_CODES.items():
        assert set(codes.split()) == _r4_codes(examples, _binding(definitions, owner, element))
    for (owner, element), targets in R4_TARGETS.items():
        found = _element(definitions, owner, element)["type"][0]["targetProfile"]
        assert {t.rsplit("/", 1)[1] for t in found} == set(targets.split())


_OWNERS = {"EncounterStatusHistory": "Encounter.statusHistory", "GroupMember": "Group.member",
           "DeviceUdiCarrier": "Device.udiCarrier"}


def _element(definitions: dict[str, Any], owner: str, element: str) -> dict[str, Any]:
    path = f"{_OWNERS.get(owner, owner)}.{element}"
    sd = definitions[path.split(".")[0]]
    return next(e for e in sd["snapshot"]["element"] if e["path"] == path)


def _binding(definitions: dict[str, Any], owner: str, element: str) -> str:
    binding = _element(definitions, owner, element)["binding"]
    assert binding["strength"] == "required"
    return str(binding["valueSet"]).split("|")[0]


def _r4_codes(examples: Path, value_set: str) -> set[str]:
    name = value_set.rsplit("/", 1)[1]
    include = _example(examples, f"ValueSet-{name}.json")["compose"]["include"]
    system = include[0]["system"].rsplit("/", 1)[1]
    codes: set[str] = set()
    stack = list(_example(examples, f"CodeSystem-{system}.json")["concept"])
    while stack:
        concept = stack.pop()
        codes.add(concept["code"])
        stack += concept.get("concept", [])
    return codes
