"""URI search: exact (case-sensitive), `:below`, `:above`, `:missing`."""

from __future__ import annotations

import pytest

from hoso.store.sql.search.uri import parent_uris
from tests.store.sql.search.conftest import Records, Search, ids


@pytest.fixture(autouse=True)
def devices(records: Records) -> None:
    urls = {
        "u1": "http://a.org/fhir/ValueSet/1",
        "u2": "http://a.org/fhir/ValueSet/12",
        "u3": "http://a.org/fhir",
        "u4": "HTTP://A.ORG/FHIR/ValueSet/1",
        "u5": "http://a.org/fhirx",
        "u6": None,
    }
    for did, url in urls.items():
        device = {"resourceType": "Device", "id": did}
        if url:
            device["url"] = url
        records.put(device)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("url=http://a.org/fhir/ValueSet/1", {"u1"}),
        ("url=http://a.org/fhir/valueset/1", set()),
        ("url:below=http://a.org/fhir", {"u1", "u2", "u3"}),
        ("url:below=http://a.org/fhir/", {"u1", "u2"}),
        ("url:below=http://a.org/fhir/ValueSet/1", {"u1"}),
        ("url:above=http://a.org/fhir/ValueSet/1/_history/2", {"u1", "u3"}),
        ("url:above=http://a.org/fhir/ValueSet", {"u3"}),
        ("url=http://a.org/fhir,http://a.org/fhirx", {"u3", "u5"}),
        ("url:missing=true", {"u6"}),
        ("url:missing=false", {"u1", "u2", "u3", "u4", "u5"}),
    ],
)
def test_uri_search(search: Search, query: str, expected: set[str]) -> None:
    assert ids(search("Device", query)) == expected


def test_parent_uris() -> None:
    assert parent_uris("http://a.org/b/c") == [
        "http://a.org/b/c", "http://a.org/b/c/", "http://a.org/b", "http://a.org/b/",
        "http://a.org", "http://a.org/",
    ]
    assert parent_uris("urn:oid:1.2") == ["urn:oid:1.2"]
