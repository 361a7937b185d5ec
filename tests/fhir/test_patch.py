"""FHIRPath Patch (https://hl7.org/fhir/R4/fhirpatch.html) and JSON Patch as `Patch`."""

from __future__ import annotations

from typing import Any

import pytest

from hoso.core.errors import InvalidRequest, PayloadTooLarge
from hoso.fhir.patch import parse_fhirpath_patch, parse_json_patch

PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p",
    "identifier": [{"system": "urn:a", "value": "1"}, {"system": "urn:b", "value": "2"}],
    "name": [{"use": "official", "family": "Nguyễn", "given": ["Văn", "An"]},
             {"use": "nickname", "given": ["Bé"]}],
    "gender": "male",
    "birthDate": "1990-01-01",
}  # fmt: skip


def op(kind: str, path: str, **parts: Any) -> dict[str, Any]:
    part = [{"name": "type", "valueCode": kind}, {"name": "path", "valueString": path}]
    for name, value in parts.items():
        if isinstance(value, int):
            part.append({"name": name, "valueInteger": value})
        elif name == "name":
            part.append({"name": name, "valueString": value})
        else:
            part.append({"name": name, **value})
    return {"name": "operation", "part": part}


def apply(*operations: dict[str, Any]) -> dict[str, Any]:
    body = {"resourceType": "Parameters", "parameter": list(operations)}
    return parse_fhirpath_patch(body, 100).apply(PATIENT)


def test_replace_a_primitive_and_an_element_found_by_where() -> None:
    out = apply(op("replace", "Patient.gender", value={"valueCode": "female"}),
                op("replace", "Patient.identifier.where(system='urn:b').value",
                   value={"valueString": "9"}))  # fmt: skip
    assert out["gender"] == "female"
    assert out["identifier"][1] == {"system": "urn:b", "value": "9"}
    assert PATIENT["gender"] == "male"  # the input is left unchanged


def test_delete_drops_what_it_emptied_and_deleting_nothing_is_no_error() -> None:
    out = apply(op("delete", "Patient.name.where(use='nickname')"),
                op("delete", "Patient.deceasedBoolean"))  # fmt: skip
    assert [n["use"] for n in out["name"]] == ["official"]
    emptied = apply(op("delete", "Patient.name[1].given[0]"))
    assert emptied["name"][1] == {"use": "nickname"}


def test_insert_and_move_in_a_list() -> None:
    out = apply(op("insert", "Patient.name[0].given", index=0, value={"valueString": "Thị"}),
                op("move", "Patient.name[0].given", source=0, destination=2))  # fmt: skip
    assert out["name"][0]["given"] == ["Văn", "An", "Thị"]


def test_add_makes_a_list_for_a_repeating_element_and_a_value_otherwise() -> None:
    out = apply(
        op("add", "Patient", name="telecom", value={"part": [
            {"name": "system", "valueCode": "phone"}, {"name": "value", "valueString": "090"}]}),
        op("add", "Patient", name="active", value={"valueBoolean": True}),
        op("add", "Patient.name[0]", name="prefix", value={"valueString": "Ông"}),
    )  # fmt: skip
    assert out["telecom"] == [{"system": "phone", "value": "090"}]
    assert out["active"] is True
    assert out["name"][0]["prefix"] == ["Ông"]


def test_choice_elements_are_reached_by_their_fhirpath_name() -> None:
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                   "valueQuantity": {"value": 1, "unit": "kg"}}  # fmt: skip
    body = {"resourceType": "Parameters", "parameter": [
        op("replace", "Observation.value.ofType(Quantity).value", value={"valueDecimal": 2})]}
    assert parse_fhirpath_patch(body, 10).apply(observation)["valueQuantity"]["value"] == 2


@pytest.mark.parametrize(
    "operation",
    [
        op("replace", "Patient.name.given", value={"valueString": "x"}),  # several elements
        op("replace", "Patient.deceasedBoolean", value={"valueBoolean": True}),  # none
        op("replace", "Patient.name.exists()", value={"valueBoolean": True}),  # not a place
        op("add", "Patient", name="gender", value={"valueCode": "other"}),  # already set
        op("insert", "Patient.name[0].given", index=9, value={"valueString": "x"}),
        op("move", "Patient.identifier", source=0, destination=5),
        op("replace", "Patient.name.where(use = )", value={"valueString": "x"}),
    ],
)
def test_an_operation_that_cannot_apply_is_a_400_naming_it(operation: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequest) as refused:
        apply(operation)
    assert refused.value.issues[0].expression[0].startswith("Parameters.parameter[0]")


@pytest.mark.parametrize(
    "body",
    [
        {"resourceType": "Patient"},
        {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": []}]},
        {"resourceType": "Parameters", "parameter": [{"name": "other"}]},
        {"resourceType": "Parameters", "parameter": [op("replace", "Patient.gender")]},
        [{"op": "replace"}],
    ],
)
def test_a_malformed_fhirpath_patch_is_a_400(body: Any) -> None:
    with pytest.raises(InvalidRequest):
        parse_fhirpath_patch(body, 10)


def test_too_many_operations_is_a_413() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_json_patch([{"op": "test", "path": "/id", "value": "p"}] * 11, 10)
    body = {"resourceType": "Parameters",
            "parameter": [op("delete", "Patient.active")] * 11}  # fmt: skip
    with pytest.raises(PayloadTooLarge):
        parse_fhirpath_patch(body, 10)


def test_json_patch_failures_are_a_400() -> None:
    with pytest.raises(InvalidRequest):
        parse_json_patch([{"op": "test", "path": "/gender", "value": "x"}], 10).apply(PATIENT)
    with pytest.raises(InvalidRequest):
        parse_json_patch({"op": "test"}, 10)
