"""Index values extracted from hand-built resources and from the official examples."""

from __future__ import annotations

from typing import Any

import pytest

from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.fhir.dates import date_range
from hoso.fhir.index_convert import numbers, quantities
from hoso.fhir.index_values import (
    DATE_MAX,
    DATE_MIN,
    DateValue,
    IndexValues,
    QuantityValue,
    ReferenceValue,
    StringValue,
    TokenValue,
    UriValue,
)
from hoso.fhir.indexing import extract_index_values
from hoso.fhir.searchparams import SearchParam
from tests.builders.clinical import observation
from tests.builders.patient import patient
from tests.fhir.official_examples import supported_examples

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def strings(values: IndexValues, param: str) -> list[tuple[str, str]]:
    return [(s.exact, s.folded) for s in values.strings if s.param == param]


def tokens(values: IndexValues, param: str) -> list[tuple[str | None, str | None, str | None]]:
    return [(t.system, t.code, t.text) for t in values.tokens if t.param == param]


def refs(values: IndexValues, param: str) -> list[tuple[str | None, str | None, str | None]]:
    return [(r.target_type, r.target_id, r.url) for r in values.references if r.param == param]


def dates(values: IndexValues, param: str) -> list[tuple[int, int]]:
    return [(d.low, d.high) for d in values.dates if d.param == param]


# --- Patient -------------------------------------------------------------------------


def vietnamese_patient(**extra: Any) -> dict[str, Any]:
    return patient(
        id="bn-001",
        cccd="079090001234",
        telecom=[
            {"system": "phone", "value": "0901234567", "use": "mobile"},
            {"system": "email", "value": "an.nguyen@example.vn"},
        ],
        address=[
            {
                "line": ["12 Lê Lợi", "Phường Bến Nghé"],
                "district": "Quận 1",
                "city": "Thành phố Hồ Chí Minh",
                "country": "VN",
            }
        ],
        managingOrganization={"reference": "Organization/bv-cho-ray"},
        **extra,
    )


def test_full_name_is_indexed_in_vietnamese_and_western_order() -> None:
    values = extract_index_values(vietnamese_patient())
    names = strings(values, "name")
    assert ("Nguyễn Văn An", "nguyen van an") in names
    assert ("Văn An Nguyễn", "van an nguyen") in names
    assert ("Nguyễn", "nguyen") in names and ("An", "an") in names
    # `name=nguyen van an` is a prefix match on the folded column.
    assert any(folded.startswith("nguyen van an") for _, folded in names)


def test_family_and_given_are_separate_parameters() -> None:
    values = extract_index_values(patient(family="Đặng", given=("Thị", "Đào")))
    assert strings(values, "family") == [("Đặng", "dang")]
    assert strings(values, "given") == [("Thị", "thi"), ("Đào", "dao")]


def test_name_prefix_suffix_and_text_are_indexed_without_duplicates() -> None:
    name = {
        "family": "Trần",
        "given": ["Minh"],
        "prefix": ["BS."],
        "suffix": ["CKII"],
        "text": "Trần Minh",
    }
    values = extract_index_values({"resourceType": "Practitioner", "name": [name]})
    assert strings(values, "name") == [
        ("Trần", "tran"),
        ("Minh", "minh"),
        ("BS.", "bs."),
        ("CKII", "ckii"),
        ("Trần Minh", "tran minh"),
        ("Minh Trần", "minh tran"),
    ]


def test_address_parts() -> None:
    values = extract_index_values(vietnamese_patient())
    assert strings(values, "address") == [
        ("12 Lê Lợi", "12 le loi"),
        ("Phường Bến Nghé", "phuong ben nghe"),
        ("Thành phố Hồ Chí Minh", "thanh pho ho chi minh"),
        ("Quận 1", "quan 1"),
        ("VN", "vn"),
    ]
    assert strings(values, "address-city") == [("Thành phố Hồ Chí Minh", "thanh pho ho chi minh")]


def test_identifier_telecom_and_code_tokens() -> None:
    resource = vietnamese_patient(active=True)
    resource["identifier"][0]["type"] = {"text": "Căn cước công dân"}
    values = extract_index_values(resource)
    assert tokens(values, "identifier") == [
        (DEFAULT_CCCD_SYSTEM, "079090001234", "can cuoc cong dan")
    ]
    assert tokens(values, "phone") == [(None, "0901234567", None)]
    assert tokens(values, "email") == [(None, "an.nguyen@example.vn", None)]
    assert tokens(values, "telecom") == [
        (None, "0901234567", None),
        (None, "an.nguyen@example.vn", None),
    ]
    assert tokens(values, "gender") == [(None, "male", None)]
    assert tokens(values, "active") == [(None, "true", None)]


def test_deceased_token_and_death_date() -> None:
    alive = extract_index_values(patient())
    assert tokens(alive, "deceased") == [(None, "false", None)]
    dead = extract_index_values(patient(deceasedDateTime="2024-07-02"))
    assert tokens(dead, "deceased") == [(None, "true", None)]
    assert dates(dead, "death-date") == [date_range("2024-07-02")]


def test_birthdate_range_and_reference() -> None:
    values = extract_index_values(vietnamese_patient())
    assert values.dates == [DateValue("birthdate", *date_range("1990-05-01"))]
    assert values.references == [ReferenceValue("organization", "Organization", "bv-cho-ray", None)]


def test_patient_compartment_is_itself_then_linked_patients() -> None:
    linked = vietnamese_patient(
        link=[{"other": {"reference": "Patient/bn-000"}, "type": "replaces"}]
    )
    assert extract_index_values(linked).compartment_patients == ["bn-001", "bn-000"]
    assert extract_index_values(patient()).compartment_patients == []  # no id yet


def test_meta_parameters_but_not_column_parameters() -> None:
    resource = patient(
        id="bn-002",
        meta={
            "lastUpdated": "2025-01-01T00:00:00Z",
            "tag": [
                {"system": "http://hoso.vn/tag", "code": "thu-nghiem", "display": "Thử nghiệm"}
            ],
            "security": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}
            ],
            "profile": ["http://hoso.vn/fhir/StructureDefinition/benh-nhan"],
            "source": "http://bv-cho-ray.vn/his",
        },
    )
    values = extract_index_values(resource)
    assert tokens(values, "_tag") == [("http://hoso.vn/tag", "thu-nghiem", "thu nghiem")]
    assert tokens(values, "_security")[0][1] == "R"
    assert values.uris == [
        UriValue("_profile", "http://hoso.vn/fhir/StructureDefinition/benh-nhan"),
        UriValue("_source", "http://bv-cho-ray.vn/his"),
    ]
    assert not [v for v in values.tokens if v.param == "_id"]
    assert not [v for v in values.dates if v.param == "_lastUpdated"]


def test_primitive_with_only_an_extension_and_bad_dates_are_skipped() -> None:
    resource = patient(birth_date="01/05/1990")
    resource["_gender"] = {"extension": [{"url": "http://example.org/x", "valueString": "?"}]}
    del resource["gender"]
    values = extract_index_values(resource)
    assert dates(values, "birthdate") == []
    assert tokens(values, "gender") == []


def test_unsupported_type_yields_nothing() -> None:
    assert extract_index_values({"resourceType": "Basic", "id": "x"}) == IndexValues()
    assert extract_index_values({"id": "x"}) == IndexValues()


# --- Observation ---------------------------------------------------------------------


def test_observation_code_quantity_date_and_subject() -> None:
    values = extract_index_values(observation("bn-001", loinc="8480-6", value=135))
    assert tokens(values, "code") == [(LOINC, "8480-6", None)]
    assert [q for q in values.quantities if q.param == "value-quantity"] == [
        QuantityValue("value-quantity", 135.0, UCUM, "mm[Hg]", "mm[Hg]")
    ]
    assert dates(values, "date") == [date_range("2025-03-01T08:00:00+07:00")]
    assert refs(values, "subject") == [("Patient", "bn-001", None)]
    assert refs(values, "patient") == [("Patient", "bn-001", None)]
    assert values.compartment_patients == ["bn-001"]


def test_codeable_concept_text_and_display_both_searchable() -> None:
    resource = observation("bn-001")
    resource["code"] = {
        "coding": [{"system": LOINC, "code": "8867-4", "display": "Heart rate"}],
        "text": "Nhịp tim",
    }
    values = extract_index_values(resource)
    assert tokens(values, "code") == [
        (LOINC, "8867-4", "nhip tim"),
        (None, None, "heart rate"),
    ]


def test_text_only_concept_gives_a_text_row() -> None:
    resource = observation("bn-001")
    resource["code"] = {"text": "Đường huyết lúc đói"}
    assert tokens(extract_index_values(resource), "code") == [(None, None, "duong huyet luc doi")]


def test_components_and_value_choice_types() -> None:
    resource = observation("bn-001", loinc="85354-9")
    del resource["valueQuantity"]
    resource["component"] = [
        {
            "code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
            "valueQuantity": {"value": 120, "system": UCUM, "code": "mm[Hg]"},
        },
        {
            "code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
            "valueQuantity": {"value": 80, "system": UCUM, "code": "mm[Hg]"},
        },
        {"code": {"text": "ghi chú"}, "valueString": "đo tay trái"},
    ]
    values = extract_index_values(resource)
    component_values = [q.value for q in values.quantities if q.param == "component-value-quantity"]
    assert component_values == [120.0, 80.0]
    assert [q.value for q in values.quantities if q.param == "value-quantity"] == []
    assert [c for _, c, _ in tokens(values, "component-code")] == ["8480-6", "8462-4", None]


def test_value_concept_and_value_string() -> None:
    resource = observation("bn-001")
    del resource["valueQuantity"]
    resource["valueCodeableConcept"] = {
        "coding": [{"system": "http://snomed.info/sct", "code": "260385009"}],
        "text": "Âm tính",
    }
    values = extract_index_values(resource)
    assert tokens(values, "value-concept") == [("http://snomed.info/sct", "260385009", "am tinh")]
    assert strings(values, "value-string") == [("Âm tính", "am tinh")]


def test_reference_forms() -> None:
    resource = observation("bn-001")
    resource["subject"] = {"reference": "Patient/bn-001/_history/3"}
    resource["performer"] = [
        {"reference": "https://bv-khac.example.vn/fhir/Patient/bn-009"},
        {"reference": "#nguoi-do"},
        {"reference": "Practitioner/bs-01"},
        {"identifier": {"system": DEFAULT_CCCD_SYSTEM, "value": "079090009999"}},
    ]
    values = extract_index_values(resource)
    assert refs(values, "subject") == [("Patient", "bn-001", None)]
    assert refs(values, "performer") == [
        ("Patient", "bn-009", "https://bv-khac.example.vn/fhir/Patient/bn-009"),
        ("Practitioner", "bs-01", None),
    ]
    # A patient on another server is not a local compartment owner.
    assert values.compartment_patients == ["bn-001"]


def test_resolve_is_filters_by_reference_type_and_targets_are_respected() -> None:
    resource = observation("bn-001")
    resource["subject"] = {"reference": "Group/nhom-1"}
    values = extract_index_values(resource)
    assert refs(values, "subject") == [("Group", "nhom-1", None)]
    assert refs(values, "patient") == []
    assert values.compartment_patients == []
    resource["subject"] = {"reference": "Practitioner/bs-01"}  # not a target of `subject`
    assert refs(extract_index_values(resource), "subject") == []


def test_performer_patient_joins_the_compartment_after_the_subject() -> None:
    resource = observation("bn-001")
    resource["performer"] = [{"reference": "Patient/bn-002"}, {"reference": "Patient/bn-001"}]
    assert extract_index_values(resource).compartment_patients == ["bn-001", "bn-002"]


# --- Dates, quantities, canonicals on other types ------------------------------------


def test_open_periods_extend_to_the_ends_of_time() -> None:
    encounter = {
        "resourceType": "Encounter",
        "status": "in-progress",
        "class": {"code": "IMP"},
        "subject": {"reference": "Patient/bn-001"},
        "period": {"start": "2025-03-01T08:00:00+07:00"},
    }
    values = extract_index_values(encounter)
    assert dates(values, "date") == [(date_range("2025-03-01T08:00:00+07:00")[0], DATE_MAX)]
    assert values.compartment_patients == ["bn-001"]
    encounter["period"] = {"end": "2025-03-05"}
    assert dates(extract_index_values(encounter), "date") == [
        (DATE_MIN, date_range("2025-03-05")[1])
    ]


def test_timing_uses_its_outer_limits() -> None:
    request = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/bn-001"},
        "occurrenceTiming": {
            "event": ["2025-04-02T09:00:00Z", "2025-04-10"],
            "repeat": {"boundsPeriod": {"start": "2025-04-01", "end": "2025-04-30"}},
        },
    }
    values = extract_index_values(request)
    assert dates(values, "occurrence") == [
        (date_range("2025-04-01")[0], date_range("2025-04-30")[1])
    ]


def test_condition_onset_choices() -> None:
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/bn-001"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11"}]},
        "onsetAge": {"value": 52, "unit": "năm", "system": UCUM, "code": "a"},
        "abatementDateTime": "2024",
    }
    values = extract_index_values(condition)
    assert values.quantities == [QuantityValue("onset-age", 52.0, UCUM, "a", "năm")]
    assert dates(values, "abatement-date") == [date_range("2024")]
    assert dates(values, "onset-date") == []


def test_canonical_reference_is_kept_as_url() -> None:
    plan = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": "Patient/bn-001"},
        "instantiatesCanonical": ["http://hoso.vn/fhir/PlanDefinition/tang-huyet-ap|1.0"],
        "instantiatesUri": ["http://hoso.vn/huong-dan/tang-huyet-ap"],
    }
    values = extract_index_values(plan)
    assert refs(values, "instantiates-canonical") == [
        ("PlanDefinition", "tang-huyet-ap", "http://hoso.vn/fhir/PlanDefinition/tang-huyet-ap|1.0")
    ]
    assert UriValue("instantiates-uri", "http://hoso.vn/huong-dan/tang-huyet-ap") in values.uris


def test_money_and_number_converters() -> None:
    param = SearchParam("Invoice", "total", "quantity", "Invoice.totalNet", (), "urn:test")
    out = IndexValues()
    quantities(param, [("Money", {"value": 150000, "currency": "VND"})], out)
    assert out.quantities == [
        QuantityValue("total", 150000.0, "urn:iso:std:iso:4217", "VND", "VND")
    ]
    number = SearchParam("RiskAssessment", "probability", "number", "x", (), "urn:test")
    out = IndexValues()
    numbers(number, [("decimal", 0.25), ("integer", 3), ("boolean", True)], out)
    assert [q.value for q in out.quantities] == [0.25, 3.0]


def test_no_duplicate_rows() -> None:
    values = extract_index_values(vietnamese_patient(name=[{"family": "An", "given": ["An"]}]))
    assert strings(values, "name") == [("An", "an"), ("An An", "an an")]
    for rows in (values.tokens, values.strings, values.dates, values.references):
        assert len(rows) == len(set(rows))


# --- Official examples ---------------------------------------------------------------


@pytest.mark.examples
def test_every_official_example_of_a_supported_type_indexes(
    request: pytest.FixtureRequest,
) -> None:
    examples = supported_examples(request)
    assert len(examples) > 300
    for name, resource in examples:
        values = extract_index_values(resource)
        kind = resource["resourceType"]
        if kind == "Observation" and "code" in resource:
            assert tokens(values, "code") or strings(values, "code"), name
            assert any(t.param == "code" for t in values.tokens), name
        if kind == "Patient" and resource.get("name"):
            assert strings(values, "name"), name
        if kind == "Patient" and "id" in resource:
            assert values.compartment_patients[0] == resource["id"], name
        subject = (resource.get("subject") or {}).get("reference", "")
        if kind == "Observation" and subject.startswith("Patient/"):
            assert values.compartment_patients[0] == subject.split("/")[1], name


@pytest.mark.examples
def test_official_examples_fill_every_kind(request: pytest.FixtureRequest) -> None:
    totals = IndexValues()
    for _, resource in supported_examples(request):
        values = extract_index_values(resource)
        totals.tokens += values.tokens
        totals.strings += values.strings
        totals.dates += values.dates
        totals.references += values.references
        totals.quantities += values.quantities
        totals.uris += values.uris
    assert all(isinstance(s, StringValue) for s in totals.strings)
    assert TokenValue("gender", None, "male") in totals.tokens
    assert {q.param for q in totals.quantities} >= {"value-quantity", "component-value-quantity"}
    assert totals.dates and totals.references and totals.uris
