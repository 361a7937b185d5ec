"""The FHIRPath layer over fhirpathpy: strict parsing, the plain-path walker and the
linear navigation agree with fhirpathpy's own evaluation, and the functions SQL on FHIR
adds (keys, boundaries, join, extension) on the cases the suite does not cover."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest
from fhirpathpy.engine import util
from fhirpathpy.engine.nodes import ResourceNode

from hoso.warehouse.viewdef import fhirpath
from hoso.warehouse.viewdef.fhirpath import FhirPathSyntaxError, parse_expression
from hoso.warehouse.viewdef.functions import get_reference_key, high_boundary, low_boundary
from tests.warehouse.sof_suite import SUITE

RESOURCES = [
    r for f in sorted(SUITE.glob("*.json")) for r in json.loads(f.read_text())["resources"]
]
PLAIN = ["id", "name", "name.family", "name.given", "telecom.system", "contact.telecom.value",
         "link.other", "item.item.linkId", "birthDate", "deceased", "value", "code.coding.code",
         "meta.profile", "extension", "active", "gender"]  # fmt: skip


def engine_only(text: str) -> fhirpath.Expression:
    return dataclasses.replace(parse_expression(text), plain=None)


def as_pairs(items: list) -> list:
    return [(getattr(i, "path", None), getattr(i, "data", i)) for i in items]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_paths_walk_as_fhirpathpy_evaluates(text):
    fast = parse_expression(text)
    slow = engine_only(text)
    for resource in RESOURCES:
        focus = [ResourceNode.create_node(resource, resource["resourceType"])]
        assert as_pairs(fast.evaluate(focus, {})) == as_pairs(slow.evaluate(focus, {}))


def test_which_paths_are_walked():
    for text in ["name.family", "name.first().given", "value.ofType(Quantity).value",
                 "getResourceKey()", "link.other.getReferenceKey(Patient)",
                 "coding.where(system = 'x').code.first()", "name.exists()"]:  # fmt: skip
        assert parse_expression(text).plain is not None, text
    for text in ["Patient.name", "extension", "true", "name.length", "%a", "name[0]",
                 "`name`", "name | id", "name.exists().not()", "ofType(Quantity)",
                 "getReferenceKey().first()", "where(a = 'b' or c = 'd')"]:  # fmt: skip
        assert parse_expression(text).plain is None, text


@pytest.mark.parametrize(
    "text",
    ["name.given", "name.where(use = 'official').given", "name.select(given)",
     "contact.telecom.where(system = 'phone').value", "item.item.linkId",
     "name.given.join(',')", "descendants().count()"],
)  # fmt: skip
def test_linear_navigation_gives_what_fhirpathpy_gave(text, monkeypatch):
    expression = engine_only(text)
    ours = []
    for resource in RESOURCES:
        focus = [ResourceNode.create_node(resource, resource["resourceType"])]
        ours.append(as_pairs(expression.evaluate(focus, {})))
    monkeypatch.setitem(fhirpath.fhirpathpy_evaluators.evaluators, "MemberInvocation",
                        fhirpath.ORIGINAL_MEMBERS)  # fmt: skip
    monkeypatch.setattr(util, "flatten", fhirpath.ORIGINAL_FLATTEN)
    theirs = []
    for resource in RESOURCES:
        focus = [ResourceNode.create_node(resource, resource["resourceType"])]
        theirs.append(as_pairs(expression.evaluate(focus, {})))
    assert ours == theirs and any(ours)


@pytest.mark.parametrize("text", ["name.(", "name.family )", "", "id.", "'a' + ", "a,b"])
def test_strict_parsing(text):
    with pytest.raises(FhirPathSyntaxError):
        parse_expression(text)


def test_constants_read():
    assert parse_expression("name.where(use = %u and x = '%no').family | %v").constants == {
        "u", "v"}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "kind", "low", "high"),
    [
        (Decimal("1.0"), "decimal", Decimal("0.95"), Decimal("1.05")),
        (Decimal("-2.50"), "decimal", Decimal("-2.505"), Decimal("-2.495")),
        (7, "integer", Decimal("6.5"), Decimal("7.5")),
        ("2024", "date", "2024-01-01", "2024-12-31"),
        ("2024-02", "date", "2024-02-01", "2024-02-29"),
        ("2023-02", "date", "2023-02-01", "2023-02-28"),
        ("2024-02-10", "date", "2024-02-10", "2024-02-10"),
        ("2010-10-10", "dateTime", "2010-10-10T00:00:00.000+14:00",
         "2010-10-10T23:59:59.999-12:00"),
        ("2010-10-10T08:30+07:00", "dateTime", "2010-10-10T08:30:00.000+07:00",
         "2010-10-10T08:30:59.999+07:00"),
        ("2010-10-10T08:30:15.5Z", "instant", "2010-10-10T08:30:15.500Z",
         "2010-10-10T08:30:15.599Z"),
        ("12:34", "time", "12:34:00.000", "12:34:59.999"),
        ("nonsense", "date", None, None),
    ],
)  # fmt: skip
def test_boundaries(value, kind, low, high):
    assert low_boundary(value, kind) == low
    assert high_boundary(value, kind) == high


@pytest.mark.parametrize(
    ("reference", "wanted", "key"),
    [
        ("Patient/p1", None, "p1"),
        ("Patient/p1", "Patient", "p1"),
        ("Patient/p1", "Observation", None),
        ("http://example.org/fhir/Patient/p1", None, "p1"),
        ("Patient/p1/_history/3", "Patient", "p1"),
        ("#contained", None, None),
        ("urn:uuid:9d2f1c1e-0000-4000-8000-000000000000", None, None),
        ("Patient/", None, None),
    ],
)
def test_reference_keys(reference, wanted, key):
    from fhirpathpy.engine.nodes import TypeInfo

    of_type = TypeInfo(wanted, "FHIR") if wanted else None
    found = get_reference_key({}, [{"reference": reference}], of_type)
    assert found == ([key] if key else [])


def test_extension_returns_every_match_and_join_of_nothing_is_empty_string():
    resource = {"resourceType": "Patient", "id": "p", "extension": [
        {"url": "a", "valueString": "1"}, {"url": "b", "valueString": "2"},
        {"url": "a", "valueString": "3"}]}  # fmt: skip
    focus = [ResourceNode.create_node(resource, "Patient")]
    found = parse_expression("extension('a').value.ofType(string)").evaluate(focus, {})
    assert [n.data for n in found] == ["1", "3"]
    assert parse_expression("name.given.join(',')").evaluate(focus, {}) == [""]


TRICKY = [
    {"resourceType": "Observation", "id": "t1", "status": "final", "valueCode": "x",
     "code": {"coding": [{"system": ["a", "b"], "code": "1"}, {"system": 5, "code": "2"}]},
     "subject": {"reference": "Group/g1"}},
    {"resourceType": "Observation", "id": "t2", "_status": {"extension": [{"url": "u"}]},
     "valueString": "s", "effectiveDateTime": "2026-01-02",
     "code": {"coding": [{"_system": {"extension": []}, "code": "3"}]}},
    {"resourceType": "Observation", "id": "t3", "status": ["final", "amended"],
     "valueQuantity": {"value": 1.5, "unit": "kg"}, "effectivePeriod": {"start": "2026"},
     "subject": {"reference": "Patient/p9"}, "code": {"coding": [
         {"system": "http://loinc.org", "code": "8480-6"}]}},
]  # fmt: skip
SHAPES = [
    "id", "status", "getResourceKey()", "subject.getReferenceKey()",
    "subject.getReferenceKey(Patient)", "link.other.getReferenceKey(Patient)",
    "value.ofType(Quantity).value", "value.ofType(string)", "value.ofType(code)",
    "value.ofType(Quantity).unit", "effective.ofType(dateTime)", "effective.ofType(Period).start",
    "code.coding.where(system = 'http://loinc.org').code.first()", "name.first().given",
    "name.where(use = 'official').family", "status = 'final'", "name.family = 'f1'",
    "name.exists()", "name.empty()", "name.given.count()", "telecom.where(system = 'phone')",
    "contact.telecom.first().value", "birthDate = '1970-06'", "item.linkId.first()",
    "deceased.ofType(boolean)", "name.family.first()", "gender = 'male'",
]  # fmt: skip


@pytest.mark.parametrize("text", SHAPES)
def test_plain_shapes_agree_with_fhirpathpy(text):
    """Wherever the direct evaluation answers, it answers as fhirpathpy does."""
    from bench.warehouse_viewdef import observations

    fast, slow = parse_expression(text), engine_only(text)
    assert fast.plain is not None
    answered = 0
    for resource in [*RESOURCES, *TRICKY, *observations(40)]:
        focus = [ResourceNode.create_node(resource, resource["resourceType"])]
        direct = fast.plain(focus)
        if direct is None:
            continue
        answered += 1
        expected = slow.evaluate(focus, {})
        assert as_pairs(direct) == as_pairs(expected), resource["id"]
    assert answered > 0


@pytest.mark.parametrize(
    ("text", "resource"),
    [("parameter.value.ofType(string)",  # a code: fhirpathpy's subtypes decide
      {"resourceType": "Parameters", "id": "x", "parameter": [{"name": "a", "valueCode": "c"}]}),
     ("status", TRICKY[1]),  # `_status` beside it
     ("code.coding.where(system = 'a').code", TRICKY[0]),  # a list compared
     ("effective.ofType(dateTime) = '2026-01-02'", TRICKY[1]),  # a date compared
     ("value", TRICKY[2])],  # a choice without ofType: never direct
)  # fmt: skip
def test_plain_hands_back_where_fhirpathpy_must_decide(text, resource):
    expression = parse_expression(text)
    focus = [ResourceNode.create_node(resource, resource["resourceType"])]
    assert expression.plain is None or expression.plain(focus) is None
    expression.evaluate(focus, {})  # and the engine answers
