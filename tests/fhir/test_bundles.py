"""Response Bundle builders: searchset, history, transaction entries, `_elements`."""

from __future__ import annotations

from hoso.core import jsonx
from hoso.fhir.bundles import (
    SUBSETTED,
    apply_elements,
    history_bundle,
    response_entry,
    searchset_bundle,
    status_line,
)
from hoso.fhir.repository import HistoryEntry, HistoryPage, Hit, SearchPage, StoredResource

BASE = "https://hoso.example/fhir"
MOMENT_US = 1_740_000_000_123_000


def _patient(id: str = "p1", **extra: object) -> dict[str, object]:
    return {"resourceType": "Patient", "id": id, "meta": {"versionId": "1"},
            "name": [{"family": "Trần"}], "gender": "female", "birthDate": "1990-01-02",
            "_birthDate": {"extension": [{"url": "http://x", "valueString": "y"}]}, **extra}


def _stored(version: int, *, deleted: bool = False) -> StoredResource:
    content = jsonx.dumps_str({"resourceType": "Patient", "id": "p1"})
    return StoredResource("Patient", "p1", version, MOMENT_US, deleted, content)


def test_searchset_has_matches_includes_total_and_links() -> None:
    page = SearchPage(
        matches=[Hit("Patient", "p1", jsonx.dumps_str(_patient()))],
        includes=[Hit("Organization", "o1", '{"resourceType":"Organization","id":"o1"}')],
        total=7,
        next_cursor="abc",
    )
    bundle = searchset_bundle(page, base_url=BASE, self_link=f"{BASE}/Patient",
                              next_link=f"{BASE}/Patient?_cursor=abc")
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    assert bundle["total"] == 7
    assert bundle["link"] == [{"relation": "self", "url": f"{BASE}/Patient"},
                              {"relation": "next", "url": f"{BASE}/Patient?_cursor=abc"}]
    match, include = bundle["entry"]
    assert match["fullUrl"] == f"{BASE}/Patient/p1"
    assert match["search"] == {"mode": "match"}
    assert match["resource"]["name"] == [{"family": "Trần"}]
    assert include["fullUrl"] == f"{BASE}/Organization/o1"
    assert include["search"] == {"mode": "include"}


def test_searchset_without_total_next_or_entries() -> None:
    bundle = searchset_bundle(SearchPage(matches=[]), base_url=BASE, self_link=f"{BASE}/Patient")
    assert "total" not in bundle and "entry" not in bundle
    assert [link["relation"] for link in bundle["link"]] == ["self"]


def test_searchset_elements_subset_matches_only() -> None:
    page = SearchPage(
        matches=[Hit("Patient", "p1", jsonx.dumps_str(_patient()))],
        includes=[Hit("Patient", "p2", jsonx.dumps_str(_patient("p2")))],
    )
    bundle = searchset_bundle(page, base_url=BASE, self_link=BASE, elements=["gender"])
    match, include = (e["resource"] for e in bundle["entry"])
    assert set(match) == {"resourceType", "id", "meta", "gender"}
    assert SUBSETTED in match["meta"]["tag"]
    assert "name" in include


def test_apply_elements_keeps_mandatory_choices_and_primitive_extensions() -> None:
    observation = {"resourceType": "Observation", "id": "o", "status": "final",
                   "code": {"text": "HA"}, "valueQuantity": {"value": 1},
                   "subject": {"reference": "Patient/p"}}
    out = apply_elements(observation, ["value", "status"])
    assert set(out) == {"resourceType", "id", "meta", "status", "valueQuantity"}
    patient = apply_elements(_patient(), ["birthDate"])
    assert patient["_birthDate"] and patient["birthDate"] == "1990-01-02"
    assert patient["meta"]["versionId"] == "1"  # existing meta kept, tag added
    assert "name" not in patient and "name" in _patient()  # the input is not changed


def test_apply_elements_type_qualified_and_tag_once() -> None:
    tagged = _patient(meta={"tag": [dict(SUBSETTED)]})
    out = apply_elements(tagged, ["Patient.gender", "Observation.status"])
    assert set(out) == {"resourceType", "id", "meta", "gender"}
    assert out["meta"]["tag"] == [SUBSETTED]
    # Only elements of another type: nothing to subset.
    assert apply_elements(_patient(), ["Observation.status"]) == _patient()


def test_history_bundle_entries() -> None:
    page = HistoryPage(
        entries=[
            HistoryEntry(_stored(3, deleted=True), "DELETE"),
            HistoryEntry(_stored(2), "PATCH"),
            HistoryEntry(_stored(1), "POST"),
        ],
        total=3,
        next_cursor=None,
    )
    bundle = history_bundle(page, base_url=BASE, self_link=f"{BASE}/Patient/p1/_history")
    assert bundle["type"] == "history" and bundle["total"] == 3
    deleted, patched, created = bundle["entry"]
    assert "resource" not in deleted
    assert deleted["request"] == {"method": "DELETE", "url": "Patient/p1"}
    assert deleted["response"]["status"] == "204 No Content"
    assert deleted["response"]["etag"] == 'W/"3"'
    assert patched["request"] == {"method": "PATCH", "url": "Patient/p1"}
    assert patched["response"]["status"] == "200 OK"
    assert created["request"] == {"method": "POST", "url": "Patient"}
    assert created["response"] == {"status": "201 Created", "etag": 'W/"1"',
                                   "lastModified": "2025-02-19T21:20:00.123Z"}
    assert created["resource"]["id"] == "p1"
    assert created["fullUrl"] == f"{BASE}/Patient/p1"


def test_response_entry_and_status_line() -> None:
    assert status_line(201) == "201 Created" and status_line(299) == "299"
    entry = response_entry(201, _stored(1))
    assert entry == {"response": {"status": "201 Created", "location": "Patient/p1/_history/1",
                                  "etag": 'W/"1"', "lastModified": "2025-02-19T21:20:00.123Z"}}
    gone = response_entry(204, _stored(2, deleted=True))
    assert "location" not in gone["response"]
