"""`_include` / `_revinclude` (with `:iterate`): one query each, no duplicates, no
deleted resources, nothing that is already a match."""

from __future__ import annotations

from typing import Any

import pytest

from tests.store.sql.search.conftest import Records, Search, ids


def included(page: Any) -> list[str]:
    return [f"{hit.resource_type}/{hit.id}" for hit in page.includes]


@pytest.fixture(autouse=True)
def data(records: Records) -> None:
    records.put_all(
        {"resourceType": "Organization", "id": "org1", "name": "Bệnh viện Chợ Rẫy"},
        {"resourceType": "Practitioner", "id": "dr1"},
        {"resourceType": "Patient", "id": "p1",
         "managingOrganization": {"reference": "Organization/org1"},
         "generalPractitioner": [{"reference": "Practitioner/dr1"}]},
        {"resourceType": "Patient", "id": "p2", "link": [{"other": {"reference": "Patient/p1"},
                                                          "type": "seealso"}]},
        {"resourceType": "Encounter", "id": "e1", "status": "finished", "class": {"code": "AMB"},
         "subject": {"reference": "Patient/p1"}},
        {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"},
         "subject": {"reference": "Patient/p1"}, "encounter": {"reference": "Encounter/e1"},
         "performer": [{"reference": "Practitioner/dr1"}]},
        {"resourceType": "Observation", "id": "o2", "status": "final", "code": {"text": "x"},
         "subject": {"reference": "Patient/p1"}},
        {"resourceType": "Observation", "id": "o3", "status": "final", "code": {"text": "x"},
         "subject": {"reference": "Patient/p2"}, "hasMember": [{"reference": "Observation/o1"}]},
    )


def test_include_adds_each_target_once(search: Search) -> None:
    page = search("Observation", "_include=Observation:subject")
    assert ids(page) == {"o1", "o2", "o3"}
    assert included(page) == ["Patient/p1", "Patient/p2"]


def test_include_with_target_type_and_several_params(search: Search) -> None:
    page = search(
        "Observation",
        "_id=o1&_include=Observation:performer:Practitioner&_include=Observation:encounter",
    )
    assert included(page) == ["Practitioner/dr1", "Encounter/e1"]
    page = search("Observation", "_id=o1&_include=Observation:performer:Organization")
    assert included(page) == []


def test_include_never_repeats_a_match(search: Search) -> None:
    page = search("Observation", "_include=Observation:has-member")
    assert ids(page) == {"o1", "o2", "o3"}
    assert page.includes == []  # o3 points at o1, which is already a match


def test_revinclude(search: Search) -> None:
    page = search("Patient", "_id=p1&_revinclude=Observation:subject&_revinclude=Encounter:subject")
    assert ids(page) == {"p1"}
    assert included(page) == ["Observation/o1", "Observation/o2", "Encounter/e1"]


def test_revinclude_with_target_type(search: Search) -> None:
    page = search("Patient", "_id=p1&_revinclude=Observation:subject:Group")
    assert included(page) == []


def test_iterate_adds_one_more_level(search: Search) -> None:
    page = search(
        "Observation",
        "_id=o2&_include=Observation:subject&_include:iterate=Patient:organization"
        "&_include:iterate=Patient:general-practitioner",
    )
    assert included(page) == ["Patient/p1", "Organization/org1", "Practitioner/dr1"]
    without = search("Observation", "_id=o2&_include=Observation:subject"
                     "&_include=Patient:organization")
    assert included(without) == ["Patient/p1"]  # not iterated: applies to matches only


def test_revinclude_iterate(search: Search) -> None:
    page = search(
        "Encounter",
        "_revinclude=Observation:encounter&_revinclude:iterate=Observation:has-member",
    )
    assert included(page) == ["Observation/o1", "Observation/o3"]


def test_deleted_resources_are_not_included(records: Records, search: Search) -> None:
    records.delete("Patient", "p2")
    records.delete("Observation", "o2")
    page = search("Observation", "_include=Observation:subject")
    assert ids(page) == {"o1", "o3"}
    assert included(page) == ["Patient/p1"]
    page = search("Patient", "_revinclude=Observation:subject")
    assert included(page) == ["Observation/o1"]


def test_includes_only_for_the_page(search: Search) -> None:
    first = search("Observation", "_count=2&_include=Observation:subject")
    assert [h.id for h in first.matches] == ["o1", "o2"]
    assert included(first) == ["Patient/p1"]
    query = "_count=2&_include=Observation:subject"
    second = search("Observation", query, cursor=first.next_cursor)
    assert included(second) == ["Patient/p2"]


def test_each_include_query_is_bounded(search: Search) -> None:
    page = search("Patient", "_id=p1&_revinclude=Observation:subject", max_count=1)
    assert included(page) == ["Observation/o1"]
