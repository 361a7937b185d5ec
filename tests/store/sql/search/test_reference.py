"""Reference search: `Type/id`, bare id, `:Type`, absolute URLs, chains (one level)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.store.sql.search.conftest import Records, Search, ids

CCCD = "https://fhir.hoso.hochiminhcity.gov.vn/sid/cccd"


def observation(oid: str, subject: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": oid, "status": "final", "code": {"text": "x"},
        "subject": {"reference": subject}, **extra,
    }


@pytest.fixture(autouse=True)
def data(records: Records) -> None:
    records.put_all(
        {"resourceType": "Patient", "id": "p1", "name": [{"family": "Nguyễn", "given": ["An"]}],
         "identifier": [{"system": CCCD, "value": "079090001234"}]},
        {"resourceType": "Patient", "id": "p2", "name": [{"family": "Trần", "given": ["Bình"]}]},
        {"resourceType": "Group", "id": "g1", "type": "person", "actual": True},
        {"resourceType": "Location", "id": "l1", "name": "Bệnh viện Nguyễn Trãi"},
        observation("o1", "Patient/p1"),
        observation("o2", "Patient/p2"),
        observation("o3", "Group/g1"),
        observation("o4", "http://other.org/fhir/Patient/9"),
        observation("o5", "Patient/p1", performer=[{"reference": "Practitioner/pr1"}]),
        observation("o6", "Location/l1"),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("subject=Patient/p1", {"o1", "o5"}),
        ("subject=Patient/p1/_history/3", {"o1", "o5"}),
        ("subject=p1", {"o1", "o5"}),
        ("subject:Patient=p1", {"o1", "o5"}),
        ("subject:Group=p1", set()),
        ("subject=g1", {"o3"}),
        ("subject=Patient/g1", set()),
        ("subject=http://other.org/fhir/Patient/9", {"o4"}),
        ("subject=Patient/p1,Group/g1", {"o1", "o3", "o5"}),
        ("patient=p2", {"o2"}),
        ("subject=Patient/p1&performer=Practitioner/pr1", {"o5"}),
        ("performer:missing=true", {"o1", "o2", "o3", "o4", "o6"}),
        ("performer:missing=false", {"o5"}),
    ],
)
def test_reference_forms(search: Search, query: str, expected: set[str]) -> None:
    assert ids(search("Observation", query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("subject:Patient.name=nguyen", {"o1", "o5"}),
        ("subject:Patient.name=tran,nguyen", {"o1", "o2", "o5"}),
        ("subject.name=b", {"o2", "o6"}),  # Patient "Bình" and Location "Bệnh viện…"
        ("subject:Location.name=benh vien", {"o6"}),
        ("subject:Location.name=binh", set()),
        ("subject:Patient.identifier=079090001234", {"o1", "o5"}),
        (f"subject:Patient.identifier={CCCD}|079090001234", {"o1", "o5"}),
        ("subject:Patient.identifier=000", set()),
        ("patient.name:exact=Trần", {"o2"}),
        ("subject:Patient._id=p2", {"o2"}),
        ("subject:Patient.name=nguyen&subject:Patient.name=an", {"o1", "o5"}),
        ("subject:Patient.name=nguyen&subject:Patient.name=tran", set()),
        ("subject:Patient.identifier:missing=true", {"o2"}),
    ],
)
def test_chains(search: Search, query: str, expected: set[str]) -> None:
    assert ids(search("Observation", query)) == expected


def test_chain_ignores_deleted_targets(records: Records, search: Search) -> None:
    records.delete("Patient", "p2")
    assert ids(search("Observation", "subject:Patient.name=tran")) == set()
    assert ids(search("Observation", "subject=Patient/p2")) == {"o2"}  # the reference stays
