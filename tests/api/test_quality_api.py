"""Data quality over HTTP: `GET /fhir/{type}/{id}/$quality` and the scorecard JSON
`/api/quality/scorecard`, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access.claims import CLINICIAN, OFFICER, RESIDENT, STEWARD
from hoso.access.repository import AccessRepository
from hoso.ingest.quality.operation import RULE_SYSTEM
from tests.api.conftest import FHIR_JSON, bearer
from tests.ingest.quality import world

SCORECARD = "/api/quality/scorecard"


def _put(client: TestClient, resource: dict) -> None:
    response = client.put(
        f"/fhir/{resource['resourceType']}/{resource['id']}", json=resource, headers=FHIR_JSON
    )
    assert response.status_code in (200, 201), response.text


@pytest.fixture
def city(client: TestClient) -> TestClient:
    for resource in (world.organization(), world.resident_a(), world.resident_b(),
                     world.heavy_weight(), world.unknown_diagnosis()):  # fmt: skip
        _put(client, resource)
    return client


def test_quality_lists_findings_with_rule_severity_and_path(city: TestClient) -> None:
    response = city.get("/fhir/Observation/o1/$quality")
    assert response.status_code == 200
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    [issue] = outcome["issue"]
    assert issue["details"]["coding"][0]["system"] == RULE_SYSTEM
    assert issue["details"]["coding"][0]["code"] == "DUNG-005"
    assert (issue["severity"], issue["code"]) == ("error", "value")
    assert issue["expression"] == ["Observation.valueQuantity"]
    assert issue["diagnostics"].startswith("Cân nặng 700 ngoài giới hạn")


def test_findings_refresh_when_the_resource_is_updated(city: TestClient) -> None:
    _put(city, world.heavy_weight(70))
    [issue] = city.get("/fhir/Observation/o1/$quality").json()["issue"]
    assert (issue["severity"], issue["code"]) == ("information", "informational")
    assert "expression" not in issue
    _put(city, world.heavy_weight(0.01))  # and back to an impossible value
    [issue] = city.get("/fhir/Observation/o1/$quality").json()["issue"]
    assert issue["details"]["coding"][0]["code"] == "DUNG-005"


def test_patient_findings_include_the_batch_rules_after_a_run(
    city: TestClient, repo: AccessRepository
) -> None:
    before = {i["details"]["coding"][0]["code"] for i in
              city.get("/fhir/Patient/p2/$quality").json()["issue"]}  # fmt: skip
    assert before == {"SACH-002"}
    world.run_batch(repo)
    after = city.get("/fhir/Patient/p2/$quality").json()["issue"]
    codes = {i["details"]["coding"][0]["code"]: i for i in after}
    assert set(codes) == {"SACH-002", "DU-007", "SONG-005"}  # no BHYT, no vital signs
    assert codes["SACH-002"]["expression"] == ["Patient.name[0]"]


def test_unknown_id_is_a_404_outcome(city: TestClient) -> None:
    response = city.get("/fhir/Observation/khong-co/$quality")
    assert response.status_code == 404
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "not-found"


def test_deleted_resource_has_no_findings_to_show(city: TestClient) -> None:
    assert city.delete("/fhir/Condition/c1").status_code in (200, 204)
    assert city.get("/fhir/Condition/c1/$quality").status_code in (404, 410)


def test_parameters_are_refused_with_an_outcome(city: TestClient) -> None:
    response = city.get("/fhir/Observation/o1/$quality?rule=DUNG-005")
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["diagnostics"].startswith("$quality chỉ nhận GET")


def test_scorecard_json_per_rule_facility_ward_and_trend(
    city: TestClient, repo: AccessRepository
) -> None:
    world.run_batch(repo)
    _put(city, world.heavy_weight(70))
    world.run_batch(repo)
    response = city.get(SCORECARD)
    assert response.status_code == 200
    body = response.json()
    rules = {r["rule"]: r for r in body["rules"]}
    assert (rules["SACH-002"]["checked"], rules["SACH-002"]["failing"]) == (2, 1)
    assert rules["SACH-002"]["rate"] == 0.5
    assert [p["rates"]["DUNG-005"] for p in body["trend"]] == [1.0, 0.0]
    assert len(body["trend"][0]["display"]) == len("dd/mm/yyyy HH:MM")
    assert body["trend"][0]["display"][2] == "/" and body["trend"][0]["display"][5] == "/"
    assert {w["code"] for w in body["wards"]} == {world.WARD_BEN_THANH, world.WARD_SAI_GON}
    assert world.FACILITY in {f["code"] for f in body["facilities"]}

    ward = city.get(SCORECARD, params={"ward": world.WARD_SAI_GON}).json()
    assert ward["wardName"] == "Phường Sài Gòn"
    ward_rules = {r["rule"]: r for r in ward["rules"]}
    assert (ward_rules["DUNG-001"]["checked"], ward_rules["DUNG-001"]["rate"]) == (1, 1.0)
    facility = city.get(SCORECARD, params={"facility": world.FACILITY, "runs": "1"}).json()
    assert "DUNG-001" not in {r["rule"] for r in facility["rules"]}
    assert len(facility["trend"]) == 1


@pytest.mark.parametrize(
    ("params", "element"),
    [({"ward": "123"}, "ward"), ({"ward": "Bến Thành"}, "ward"), ({"runs": "x"}, "runs"),
     ({"runs": "0"}, "runs"), ({"runs": "²"}, "runs"), ({"facility": "a b"}, "facility")],
)  # fmt: skip
def test_bad_scorecard_parameters_are_400_outcomes(
    client: TestClient, params: dict[str, str], element: str
) -> None:
    for path in (SCORECARD, f"{SCORECARD}.html"):
        response = client.get(path, params=params)
        assert response.status_code == 400, response.text
        issue = response.json()["issue"][0]
        assert issue["expression"] == [element]
        vi, en = issue["diagnostics"].split(" / ", 1)
        assert vi and en and not vi.isascii()


@pytest.mark.parametrize("role", [RESIDENT, CLINICIAN])
def test_residents_and_clinicians_may_not_see_the_scorecard(app: FastAPI, role: str) -> None:
    with TestClient(app, raise_server_exceptions=False) as anyone:
        headers = bearer(app, role=role, scopes=("user/*.rs",))
        for path in (SCORECARD, f"{SCORECARD}.html"):
            response = anyone.get(path, headers=headers)
            assert response.status_code == 403, response.text
            assert response.json()["resourceType"] == "OperationOutcome"
        assert anyone.get(SCORECARD).status_code == 401


@pytest.mark.parametrize("role", [STEWARD, OFFICER])
def test_stewards_and_officers_see_the_scorecard(app: FastAPI, role: str) -> None:
    with TestClient(app, raise_server_exceptions=False) as viewer:
        response = viewer.get(SCORECARD, headers=bearer(app, role=role, scopes=("user/*.rs",)))
        assert response.status_code == 200, response.text
        assert response.json()["run"] is None
