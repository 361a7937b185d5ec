"""A small immunisation world for the API and page tests: a ward health station (its
Organization, its nurse's token), a child of its ward and a child of another ward, and
the programme's register recomputed as the server's job does it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access.programme_records import ProgrammeRecords
from hoso.access.publichealth_tracing import MappedStations
from hoso.core import clock
from hoso.programmes.immunisation.programme import PROGRAMME
from hoso.programmes.recompute import READ_TYPES, Recompute
from hoso.programmes.registry import packaged_rules
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON, bearer
from tests.callers import as_caller
from tests.programmes.world import OTHER_STATION, OTHER_WARD, STATION, WARD, access, home

TODAY = clock.today_vn()
PRODUCT = "http://hl7.org/fhir/sid/cvx|102"


def child(n: int, ward: str, months: int) -> dict[str, Any]:
    return {**home(n, ward), "birthDate": (TODAY - timedelta(days=30 * months)).isoformat()}


def dose(**changes: Any) -> dict[str, Any]:
    body = {"product": "102", "lot": "PENTA-2612",
            "expiry": (TODAY + timedelta(days=90)).isoformat(), "site": "LT", "route": "IM",
            "dose_ml": "0.5", "dose_number": 1, "observed_minutes": 30}  # fmt: skip
    return {**body, **changes}


class ImmunisationWorld:
    def __init__(self, app: FastAPI, store: SqlStore, operator: TestClient) -> None:
        self.app, self.store, self.clients = app, store, []  # type: ignore[var-annotated]
        app.state.ph_ward_stations = MappedStations({WARD: STATION, OTHER_WARD: OTHER_STATION})
        facility = store.settings.facility_system
        for code, name in ((STATION, "Trạm y tế Phường Sài Gòn"),
                           (OTHER_STATION, "Trạm y tế Phường Bến Thành")):  # fmt: skip
            made = operator.post("/fhir/Organization", headers=FHIR_JSON, json={
                "resourceType": "Organization", "name": name,
                "identifier": [{"system": facility, "value": code}]})  # fmt: skip
            assert made.status_code == 201, made.text
        self.ids = {}
        for name, n, ward in (("child", 1, WARD), ("other", 2, OTHER_WARD), ("third", 3, WARD)):
            made = operator.post("/fhir/Patient", json=child(n, ward, 5), headers=FHIR_JSON)
            assert made.status_code == 201, made.text
            self.ids[name] = made.json()["id"]
        self.nurse = self.as_("clinician", "account:tyt-a", facility=STATION)
        self.other_nurse = self.as_("clinician", "account:tyt-b", facility=OTHER_STATION)

    def as_(self, role: str, subject: str, **claims: Any) -> TestClient:
        headers = bearer(self.app, role=role, scopes=("user/*.cruds",), subject=subject, **claims)
        client = TestClient(self.app, raise_server_exceptions=False, headers=headers)
        self.clients.append(client)
        return client

    def recompute(self) -> None:
        with as_caller(self.store) as operator:
            Recompute(ProgrammeRecords(operator, READ_TYPES), access(self.store, operator),
                      (PROGRAMME,), packaged_rules()).patients(list(self.ids.values()))  # fmt: skip

    def close(self) -> None:
        for c in self.clients:
            c.close()
