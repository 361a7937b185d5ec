"""Search over HTTP: Bundles, paging links, strict and lenient handling, the truthful
CapabilityStatement."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import create_id
from tests.builders.clinical import observation
from tests.builders.patient import patient

SAMPLE_VALUES = {
    "token": "x",
    "string": "x",
    "date": "2020",
    "reference": "Patient/x",
    "quantity": "5",
    "number": "5",
    "uri": "http://example.org/x",
}


def test_search_by_name_without_diacritics_and_by_cccd(client: TestClient) -> None:
    an = create_id(client, patient())
    create_id(
        client, patient(cccd="079190000002", family="Trần", given=("Thị", "Bình"), gender="female")
    )
    bundle = client.get("/fhir/Patient", params={"name": "nguyen van an"}).json()
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "searchset"
    assert [e["resource"]["id"] for e in bundle["entry"]] == [an]
    assert bundle["entry"][0]["search"]["mode"] == "match"
    by_cccd = client.get(
        "/fhir/Patient",
        params={"identifier": "https://fhir.hoso.hochiminhcity.gov.vn/sid/cccd|079090001234"},
    ).json()
    assert [e["resource"]["id"] for e in by_cccd["entry"]] == [an]


def test_post_search_equals_get(client: TestClient) -> None:
    create_id(client, patient())
    get = client.get("/fhir/Patient", params={"family": "nguyen"}).json()
    post = client.post(
        "/fhir/Patient/_search",
        data={"family": "nguyen"},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ).json()
    assert [e["resource"]["id"] for e in get["entry"]] == [
        e["resource"]["id"] for e in post["entry"]
    ]
    assert len(get["entry"]) == 1


def test_paging_links_walk_every_result_once(client: TestClient) -> None:
    pid = create_id(client, patient())
    ids = {create_id(client, observation(pid, value=100 + i)) for i in range(7)}
    seen: list[str] = []
    url: str | None = f"/fhir/Observation?subject=Patient/{pid}&_count=3"
    while url:
        bundle = client.get(url).json()
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        url = next((lk["url"] for lk in bundle["link"] if lk["relation"] == "next"), None)
    assert sorted(seen) == sorted(ids)


def test_unknown_parameter_is_400_unless_lenient(client: TestClient) -> None:
    strict = client.get("/fhir/Patient", params={"mau-mat": "nau"})
    assert strict.status_code == 400
    assert "mau-mat" in strict.json()["issue"][0]["diagnostics"]
    lenient = client.get(
        "/fhir/Patient", params={"mau-mat": "nau"}, headers={"Prefer": "handling=lenient"}
    )
    assert lenient.status_code == 200


def test_include_and_summary_count(client: TestClient) -> None:
    pid = create_id(client, patient())
    create_id(client, observation(pid))
    bundle = client.get("/fhir/Observation", params={"_include": "Observation:subject"}).json()
    modes = sorted((e["search"]["mode"], e["resource"]["resourceType"]) for e in bundle["entry"])
    assert modes == [("include", "Patient"), ("match", "Observation")]
    count = client.get("/fhir/Observation", params={"_summary": "count"}).json()
    assert count["total"] == 1
    assert "entry" not in count


def test_every_advertised_search_parameter_is_accepted(client: TestClient) -> None:
    """The CapabilityStatement lists exactly what works: each parameter answers 200."""
    statement = client.get("/fhir/metadata").json()
    assert statement["fhirVersion"] == "4.0.1"
    resources = statement["rest"][0]["resource"]
    assert {r["type"] for r in resources} >= {"Patient", "Observation", "Encounter", "Slot"}
    failures = []
    for entry in resources:
        for param in entry.get("searchParam", []):
            value = SAMPLE_VALUES.get(param["type"], "x")
            if param["name"] == "_lastUpdated":
                value = "2020"
            response = client.get(f"/fhir/{entry['type']}", params={param["name"]: value})
            if response.status_code != 200:
                failures.append((entry["type"], param["name"], response.status_code))
    assert failures == []


def test_elements_returns_a_marked_subset(client: TestClient) -> None:
    create_id(client, patient())
    bundle = client.get("/fhir/Patient", params={"_elements": "name"}).json()
    resource = bundle["entry"][0]["resource"]
    assert "name" in resource
    assert "birthDate" not in resource
    assert {"resourceType", "id", "meta"} <= set(resource)
    assert any(t.get("code") == "SUBSETTED" for t in resource["meta"].get("tag", []))
