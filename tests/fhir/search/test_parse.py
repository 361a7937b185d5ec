"""Query string → IR: every kind, modifier, prefix and error path, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hoso.core.errors import InvalidRequest, NotSupported, UnknownParameter
from hoso.fhir.dates import date_range
from hoso.fhir.search import (
    ChainTarget,
    DateValue,
    Filter,
    Include,
    Kind,
    MissingValue,
    Modifier,
    NumberValue,
    Prefix,
    ReferenceValue,
    SearchQuery,
    SortKey,
    StringValue,
    TokenValue,
    UriValue,
    parse_search,
)
from hoso.fhir.search.values import parse_number


def one(resource_type: str, name: str, value: str) -> Filter:
    query = parse_search(resource_type, [(name, value)])
    assert len(query.filters) == 1
    return query.filters[0]


# -- token ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://loinc.org|1234-5", TokenValue("http://loinc.org", "1234-5")),
        ("|1234-5", TokenValue("", "1234-5")),
        ("1234-5", TokenValue(None, "1234-5")),
        ("http://loinc.org|", TokenValue("http://loinc.org", None)),
        (r"a\|b|c", TokenValue("a|b", "c")),
    ],
)
def test_token_forms(raw: str, expected: TokenValue) -> None:
    f = one("Observation", "code", raw)
    assert f == Filter("code", Kind.TOKEN, None, (expected,))


def test_comma_separates_or_values_and_backslash_escapes_it() -> None:
    f = one("Observation", "code", r"a,b\,c,d\\")
    assert f.values == (TokenValue(None, "a"), TokenValue(None, "b,c"), TokenValue(None, "d\\"))


def test_token_not_and_text() -> None:
    assert one("Observation", "code:not", "x").modifier is Modifier.NOT
    text = one("Condition", "code:text", "Tăng Huyết")
    assert text.modifier is Modifier.TEXT
    assert text.values == (StringValue("Tăng Huyết", "tang huyet"),)


@pytest.mark.parametrize("modifier", ["in", "not-in", "below", "above", "of-type"])
def test_unimplemented_token_modifiers_are_not_supported(modifier: str) -> None:
    with pytest.raises(NotSupported, match=modifier):
        parse_search("Observation", [(f"code:{modifier}", "x")])


def test_unknown_modifier_is_invalid() -> None:
    with pytest.raises(InvalidRequest, match="bogus"):
        parse_search("Observation", [("code:bogus", "x")])


def test_id_values_are_plain_codes() -> None:
    f = one("Patient", "_id", "a|b,c")
    assert f.kind is Kind.TOKEN
    assert f.values == (TokenValue(None, "a|b"), TokenValue(None, "c"))
    with pytest.raises(NotSupported):
        parse_search("Patient", [("_id:text", "a")])


# -- string --------------------------------------------------------------------------


@pytest.mark.parametrize("modifier", [None, Modifier.EXACT, Modifier.CONTAINS])
def test_string_modifiers(modifier: Modifier | None) -> None:
    name = "name" if modifier is None else f"name:{modifier}"
    f = one("Patient", name, "Nguyễn Văn Đức")
    assert f.modifier is modifier
    assert f.values == (StringValue("Nguyễn Văn Đức", "nguyen van duc"),)


def test_string_text_modifier_is_not_supported() -> None:
    with pytest.raises(NotSupported):
        parse_search("Patient", [("name:text", "an")])


# -- date ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["eq", "ne", "lt", "le", "gt", "ge", "sa", "eb"])
def test_date_prefixes(prefix: str) -> None:
    f = one("Patient", "birthdate", f"{prefix}2020-03")
    low, high = date_range("2020-03")
    assert f.values == (DateValue(Prefix(prefix), low, high),)


def test_date_without_prefix_is_eq_and_keeps_precision() -> None:
    f = one("Observation", "date", "2020-03-04T10:15:00+07:00")
    assert f.values == (DateValue(Prefix.EQ, *date_range("2020-03-04T10:15:00+07:00")),)


def test_unencoded_plus_of_a_timezone_is_restored() -> None:
    f = one("Observation", "date", "ge2020-03-04T10:15:00 07:00")
    assert f.values == (DateValue(Prefix.GE, *date_range("2020-03-04T10:15:00+07:00")),)


@pytest.mark.parametrize("raw", ["2020-13", "yesterday", "xx2020", "2020-02-30", ""])
def test_bad_dates_name_the_parameter(raw: str) -> None:
    if raw == "":
        assert parse_search("Patient", [("birthdate", raw)]).filters == ()
        return
    with pytest.raises(InvalidRequest, match="birthdate"):
        parse_search("Patient", [("birthdate", raw)])


def test_date_ap_is_not_supported() -> None:
    with pytest.raises(NotSupported, match="ap"):
        parse_search("Patient", [("birthdate", "ap2020")])


def test_last_updated_is_a_date() -> None:
    f = one("Patient", "_lastUpdated", "gt2024-01-01T00:00:00Z")
    assert f.kind is Kind.DATE
    assert f.values[0] == DateValue(Prefix.GT, *date_range("2024-01-01T00:00:00Z"))


# -- number and quantity -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "prefix", "low", "high"),
    [
        ("100", Prefix.EQ, "99.5", "100.5"),
        ("100.0", Prefix.EQ, "99.95", "100.05"),
        ("gt0.5", Prefix.GT, "0.45", "0.55"),
        ("1e2", Prefix.EQ, "50", "150"),
        ("ap100", Prefix.AP, "90", "110"),
        ("ne-3", Prefix.NE, "-3.5", "-2.5"),
    ],
)
def test_number_precision_ranges(raw: str, prefix: Prefix, low: str, high: str) -> None:
    # R4 defines no `number` parameter on the served types; quantities share the rule.
    value = parse_number("probability", raw)
    assert (value.prefix, value.low, value.high) == (prefix, Decimal(low), Decimal(high))
    assert value.system is None and value.code is None


@pytest.mark.parametrize("raw", ["abc", "zz100", "0.5.5", "--1", "gt"])
def test_bad_numbers_name_the_parameter(raw: str) -> None:
    with pytest.raises(InvalidRequest, match="value-quantity"):
        parse_search("Observation", [("value-quantity", raw)])


@pytest.mark.parametrize(
    ("raw", "system", "code"),
    [
        ("5.4|http://unitsofmeasure.org|mg", "http://unitsofmeasure.org", "mg"),
        ("le5.4||mg", None, "mg"),
        ("5.4", None, None),
    ],
)
def test_quantity_forms(raw: str, system: str | None, code: str | None) -> None:
    value = one("Observation", "value-quantity", raw).values[0]
    assert isinstance(value, NumberValue)
    assert (value.value, value.system, value.code) == (Decimal("5.4"), system, code)


def test_quantity_with_two_parts_is_invalid() -> None:
    with pytest.raises(InvalidRequest, match="value-quantity"):
        parse_search("Observation", [("value-quantity", "5.4|mg")])


# -- reference -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("subject", "Patient/123", ReferenceValue("Patient", "123")),
        ("subject", "Patient/123/_history/2", ReferenceValue("Patient", "123")),
        ("subject", "123", ReferenceValue(None, "123")),
        ("subject:Patient", "123", ReferenceValue("Patient", "123")),
        ("subject", "http://x.org/fhir/Patient/1", ReferenceValue(url="http://x.org/fhir/Patient/1")),
        ("subject", "urn:uuid:1f0e", ReferenceValue(url="urn:uuid:1f0e")),
    ],
)
def test_reference_forms(name: str, raw: str, expected: ReferenceValue) -> None:
    assert one("Observation", name, raw).values == (expected,)


@pytest.mark.parametrize(
    ("name", "raw"),
    [("subject:Patient", "Group/1"), ("subject", "a/b/c"), ("subject:Medication", "1")],
)
def test_bad_references(name: str, raw: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_search("Observation", [(name, raw)])


def test_reference_identifier_modifier_is_not_supported() -> None:
    with pytest.raises(NotSupported):
        parse_search("Observation", [("subject:identifier", "x|1")])


def test_chain_with_type_modifier() -> None:
    f = one("Observation", "subject:Patient.identifier", "sys|079")
    inner = Filter("identifier", Kind.TOKEN, None, (TokenValue("sys", "079"),))
    assert f == Filter("subject", Kind.REFERENCE, None, (), (ChainTarget("Patient", inner),))


def test_chain_without_type_searches_every_target_that_has_the_parameter() -> None:
    f = one("Observation", "subject.name", "an")
    targets = [link.target_type for link in f.chain]
    assert "Patient" in targets and "Group" not in targets  # Group has no `name`
    assert {link.filter.kind for link in f.chain} == {Kind.STRING}


def test_chain_modifiers_apply_to_the_target_parameter() -> None:
    f = one("Encounter", "subject:Patient.name:exact", "An")
    assert f.chain[0].filter.modifier is Modifier.EXACT


def test_chain_errors() -> None:
    with pytest.raises(NotSupported):
        parse_search("Observation", [("subject.organization.name", "x")])
    with pytest.raises(InvalidRequest):
        parse_search("Observation", [("status.name", "x")])
    with pytest.raises(UnknownParameter):
        parse_search("Observation", [("subject:Patient.nonsense", "x")])


# -- uri and missing -----------------------------------------------------------------


@pytest.mark.parametrize("modifier", [None, Modifier.BELOW, Modifier.ABOVE])
def test_uri_modifiers(modifier: Modifier | None) -> None:
    name = "url" if modifier is None else f"url:{modifier}"
    f = one("Device", name, "http://a.org/fhir/ValueSet/1")
    assert (f.kind, f.modifier, f.values) == (
        Kind.URI, modifier, (UriValue("http://a.org/fhir/ValueSet/1"),)
    )


@pytest.mark.parametrize(("name", "kind"), [
    ("gender", Kind.TOKEN), ("name", Kind.STRING), ("birthdate", Kind.DATE),
    ("general-practitioner", Kind.REFERENCE), ("_profile", Kind.URI),
])
def test_missing_for_any_kind(name: str, kind: Kind) -> None:
    f = one("Patient", f"{name}:missing", "true")
    assert (f.kind, f.modifier, f.values) == (kind, Modifier.MISSING, (MissingValue(True),))
    assert one("Patient", f"{name}:missing", "false").values == (MissingValue(False),)


def test_missing_needs_a_boolean() -> None:
    with pytest.raises(InvalidRequest, match="gender"):
        parse_search("Patient", [("gender:missing", "yes")])


# -- unknown, lenient, ignored -------------------------------------------------------


def test_unknown_parameter_is_named_in_both_languages() -> None:
    with pytest.raises(UnknownParameter) as raised:
        parse_search("Patient", [("shoe-size", "42")])
    assert "'shoe-size'" in raised.value.message and " / " in raised.value.message


def test_lenient_collects_unknown_parameters() -> None:
    query = parse_search(
        "Patient", [("shoe-size", "42"), ("gender", "male"), ("_sort", "shoe")], lenient=True
    )
    assert query.ignored == ("shoe-size", "_sort=shoe")
    assert [f.code for f in query.filters] == ["gender"]


def test_format_and_pretty_are_ignored_silently() -> None:
    query = parse_search("Patient", [("_format", "json"), ("_pretty", "true")])
    assert query == SearchQuery("Patient", canonical="Patient?")


def test_malformed_values_are_invalid_even_when_lenient() -> None:
    with pytest.raises(InvalidRequest):
        parse_search("Patient", [("birthdate", "soon")], lenient=True)


# -- result parameters ---------------------------------------------------------------


def test_sort_count_summary_total_elements() -> None:
    query = parse_search(
        "Observation",
        [("_sort", "-date,code,_id"), ("_count", "5"), ("_summary", "count"),
         ("_total", "accurate"), ("_elements", "status, code")],
    )
    assert query.sort == (
        SortKey("date", Kind.DATE, True), SortKey("code", Kind.TOKEN), SortKey("_id", Kind.TOKEN)
    )
    assert (query.count, query.summary, query.total) == (5, "count", "accurate")
    assert query.elements == ("status", "code")


@pytest.mark.parametrize(
    ("name", "raw", "error"),
    [
        ("_count", "-1", InvalidRequest),
        ("_count", "ten", InvalidRequest),
        ("_summary", "maybe", InvalidRequest),
        ("_total", "all", InvalidRequest),
        ("_sort", "subject", NotSupported),
        ("_sort", "nonsense", UnknownParameter),
        ("_sort", "-", InvalidRequest),
        ("_count:exact", "1", InvalidRequest),
    ],
)
def test_bad_result_parameters(name: str, raw: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_search("Observation", [(name, raw)])


def test_includes() -> None:
    query = parse_search(
        "Observation",
        [("_include", "Observation:subject:Patient"), ("_include:iterate", "Patient:organization"),
         ("_revinclude", "Provenance:target"), ("_revinclude:recurse", "Observation:has-member")],
    )
    assert query.includes == (
        Include("Observation", "subject", "Patient"),
        Include("Patient", "organization", None, iterate=True),
    )
    assert query.revincludes == (
        Include("Provenance", "target"), Include("Observation", "has-member", iterate=True)
    )


@pytest.mark.parametrize(
    ("name", "raw", "error"),
    [
        ("_include", "*", NotSupported),
        ("_include", "Observation:*", NotSupported),
        ("_include", "Observation", InvalidRequest),
        ("_include", "Observation:status", InvalidRequest),
        ("_include", "Nothing:subject", InvalidRequest),
        ("_include", "Observation:subject:Medication", InvalidRequest),
        ("_include:deep", "Observation:subject", InvalidRequest),
    ],
)
def test_bad_includes(name: str, raw: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_search("Observation", [(name, raw)])


def test_canonical_form_ignores_order_count_and_format() -> None:
    a = parse_search("Patient", [("name", "an"), ("gender", "male"), ("_count", "5")])
    b = parse_search("Patient", [("_format", "json"), ("gender", "male"), ("name", "an")])
    c = parse_search("Patient", [("name", "an")])
    assert a.canonical == b.canonical != c.canonical


def test_system_level_search_knows_common_parameters_and_type() -> None:
    query = parse_search(None, [("_type", "Patient,Observation"), ("_lastUpdated", "ge2024")])
    assert query.resource_type is None
    assert query.filters[0] == Filter(
        "_type", Kind.TOKEN, None, (TokenValue(None, "Patient"), TokenValue(None, "Observation"))
    )
    with pytest.raises(UnknownParameter):
        parse_search(None, [("name", "an")])
    with pytest.raises(InvalidRequest):
        parse_search(None, [("_type", "Nothing")])


def test_ir_is_frozen_and_hashable() -> None:
    query = parse_search("Patient", [("name", "an"), ("birthdate", "ge2000")])
    assert hash(query) == hash(parse_search("Patient", [("name", "an"), ("birthdate", "ge2000")]))
