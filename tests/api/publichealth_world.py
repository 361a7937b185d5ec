"""A resident of Phường Sài Gòn diagnosed with dengue by hospital 79001 and made a case
by the case-detection worker; the officer who answers for the ward, and callers of
each role: the world of the public-health API and page tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access.audit import GroupCommitAuditTrail
from hoso.assembly import case_access, case_detector
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.api.access_world import encounter, organization
from tests.api.conftest import bearer, create_id
from tests.builders.patient import patient
from tests.callers import as_caller

ICD10 = "http://hl7.org/fhir/sid/icd-10"
HOME = {"use": "home", "line": ["12 Lê Lợi"], "city": "Phường Sài Gòn",
        "state": "Thành phố Hồ Chí Minh", "country": "VN"}  # fmt: skip
OFFICER, OTHER = "account:cb-saigon", "account:cb-khac"


def as_role(app: FastAPI, role: str, subject: str, **claims: Any) -> TestClient:
    scopes = {"officer": ("user/*.rs",), "resident": ("patient/*.cruds",)}.get(
        role, ("user/*.cruds",))
    headers = bearer(app, role=role, scopes=scopes, subject=subject, **claims)
    return TestClient(app, raise_server_exceptions=False, headers=headers)


def detect_cases(store: SqlStore) -> None:
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    detector = case_detector(store, trail)
    while detector.step():
        pass
    trail.close()


@pytest.fixture
def outbreak(app: FastAPI, client: TestClient, store: SqlStore) -> Iterator[dict[str, str]]:
    """A resident of Phường Sài Gòn diagnosed with dengue by hospital 79001."""
    with as_caller(store) as repo:
        case_access(store, repo).set_officer_ward(OFFICER, "26740", add=True)
    pid = create_id(client, {**patient(cccd="079090001234"), "address": [HOME]})
    org = create_id(client, organization("79001", "Bệnh viện Quận 1"))
    his = as_role(app, "facility-system", "client:his-79001", facility="79001",
              client_id="his-79001")
    assert his.post("/fhir/Encounter", json=encounter(pid, org)).status_code == 201
    made = his.post("/fhir/Condition", json={
        "resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"},
        "code": {"coding": [{"system": ICD10, "code": "A97.1"}]},
        "onsetDateTime": "2026-11-18", "recordedDate": "2026-11-20T09:00:00+07:00"})  # fmt: skip
    assert made.status_code == 201, made.text
    detect_cases(store)
    yield {"patient": pid}
