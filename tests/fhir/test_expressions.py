"""FHIRPath evaluation for indexing: the resolve()/as rewrites and the fast path."""

from __future__ import annotations

import copy

import pytest

from hoso.fhir.expressions import UnsupportedExpression, compile_expression, rewrite_member
from hoso.fhir.fastpath import compile_path, split_outside_parens
from hoso.fhir.searchparams import search_params, supported_types
from tests.fhir.official_examples import supported_examples

BLOOD_PRESSURE = {
    "resourceType": "Observation",
    "subject": {"reference": "Patient/bn-001"},
    "component": [
        {"valueQuantity": {"value": 120}},
        {"valueQuantity": {"value": 80}},
        {"valueString": "tay trái"},
    ],
}


@pytest.mark.parametrize("fast", [True, False])
def test_as_on_a_collection_filters_by_type(fast: bool) -> None:
    evaluate = compile_expression("(Observation.component.value as Quantity)", fast)
    assert evaluate(BLOOD_PRESSURE) == [("Quantity", {"value": 120}), ("Quantity", {"value": 80})]


@pytest.mark.parametrize("fast", [True, False])
def test_as_function_form_and_following_navigation(fast: bool) -> None:
    resource = {"resourceType": "Observation", "valueCodeableConcept": {"text": "Dương tính"}}
    assert compile_expression("(Observation.value as CodeableConcept).text", fast)(resource) == [
        ("string", "Dương tính")
    ]
    condition = {"resourceType": "Condition", "onsetAge": {"value": 40}}
    assert compile_expression("Condition.onset.as(Age)", fast)(condition) == [
        ("Age", {"value": 40})
    ]


@pytest.mark.parametrize("fast", [True, False])
def test_resolve_is_keeps_references_of_that_type(fast: bool) -> None:
    appointment = {
        "resourceType": "Appointment",
        "participant": [
            {"actor": {"reference": "Patient/bn-001"}},
            {"actor": {"reference": "Practitioner/bs-01"}},
            {"actor": {"reference": "http://other.example/fhir/Patient/x"}},
        ],
    }
    evaluate = compile_expression("Appointment.participant.actor.where(resolve() is Patient)", fast)
    assert [v["reference"] for _, v in evaluate(appointment)] == [
        "Patient/bn-001",
        "http://other.example/fhir/Patient/x",
    ]


@pytest.mark.parametrize("fast", [True, False])
def test_where_equals_and_union(fast: bool) -> None:
    person = {
        "resourceType": "RelatedPerson",
        "telecom": [{"system": "phone", "value": "028"}, {"system": "email", "value": "a@b.vn"}],
    }
    evaluate = compile_expression(
        "RelatedPerson.telecom.where(system='email') | RelatedPerson.telecom.where(system='phone')",
        fast,
    )
    assert [v["value"] for t, v in evaluate(person)] == ["a@b.vn", "028"]
    assert {t for t, _ in evaluate(person)} == {"ContactPoint"}


def test_rewrite_member() -> None:
    assert rewrite_member("(Observation.value as Quantity)") == (
        "Observation.value.ofType(Quantity)",
        None,
    )
    assert rewrite_member("(Observation.value as CodeableConcept).text") == (
        "Observation.value.ofType(CodeableConcept).text",
        None,
    )
    assert rewrite_member("Condition.onset.as(Age)") == ("Condition.onset.ofType(Age)", None)
    assert rewrite_member("Encounter.subject.where(resolve() is Patient)") == (
        "Encounter.subject",
        "Patient",
    )


def test_other_resolve_uses_are_rejected() -> None:
    with pytest.raises(UnsupportedExpression):
        compile_expression("Observation.subject.resolve().name")


def test_wrong_resource_type_gives_nothing() -> None:
    assert compile_expression("Patient.name")({"resourceType": "Practitioner", "name": [{}]}) == []


def test_split_outside_parens_respects_quotes_and_parentheses() -> None:
    text = "(A.b as C) | A.d.where(e='x|y') | A.f"
    assert split_outside_parens(text, "|") == ["(A.b as C)", "A.d.where(e='x|y')", "A.f"]


def test_fast_path_covers_all_but_the_deceased_expression() -> None:
    slow = []
    for resource_type in supported_types():
        for param in search_params(resource_type).values():
            compile_expression(param.expression)  # every expression compiles
            for member in split_outside_parens(param.expression, "|"):
                if compile_path(rewrite_member(member)[0]) is None:
                    slow.append(f"{resource_type}.{param.code}")
    assert slow == ["Patient.deceased"]


@pytest.mark.examples
def test_fast_path_agrees_with_fhirpathpy_on_every_official_example(
    request: pytest.FixtureRequest,
) -> None:
    checked = 0
    for name, resource in supported_examples(request):
        original = copy.deepcopy(resource)
        for param in search_params(resource["resourceType"]).values():
            fast = compile_expression(param.expression, True)(resource)
            library = compile_expression(param.expression, False)(resource)
            assert fast == library, (name, param.code)
            checked += bool(fast)
        assert resource == original, f"{name} was modified by evaluation"
    assert checked > 3000
