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
    return dataclasses.replace(parse_expression(text), members=None)


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
    assert parse_expression("name.family").members == ("name", "family")
    for text in ["name.first()", "Patient.name", "extension", "true", "name.length", "%a",
                 "name[0]", "`name`", "name | id"]:  # fmt: skip
        assert parse_expression(text).members is None, text


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
