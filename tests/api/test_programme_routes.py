"""The programmes over HTTP (issue 19 points 1 and 8): a ward health station's due list
and a resident's programme view as JSON and as pages, a visit recorded from the form, a
resident of another ward answered as an absent one, and malformed or enormous input
answered 4xx, never 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.programmes import registry
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON, bearer
from tests.callers import as_caller
from tests.programmes.world import (
    FORM,
    OTHER_WARD,
    RULE,
    STATION,
    STATIONS,
    WARD,
    ToyBloodPressure,
    home,
    hypertension,
    recompute,
)


class World:
    def __init__(self, app: FastAPI, client: TestClient, store: SqlStore) -> None:
        self.app, self.clients = app, []  # type: ignore[var-annotated]
        app.state.ph_ward_stations = STATIONS
        org = {"resourceType": "Organization", "name": "Trạm y tế Phường Sài Gòn",
               "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": STATION}]}  # fmt: skip
        assert client.post("/fhir/Organization", json=org, headers=FHIR_JSON).status_code == 201
        self.ids = {}
        for name, n, ward in (("mine", 1, WARD), ("theirs", 2, OTHER_WARD)):
            made = client.post("/fhir/Patient", json=home(n, ward), headers=FHIR_JSON)
            self.ids[name] = made.json()["id"]
            client.post("/fhir/Condition", json=hypertension(self.ids[name]), headers=FHIR_JSON)
        with as_caller(store) as operator:
            recompute(store, operator).everyone()

    def as_(self, role: str, **claims: Any) -> TestClient:
        headers = bearer(self.app, role=role, scopes=("user/*.cruds",), **claims)
        client = TestClient(self.app, raise_server_exceptions=False, headers=headers)
        self.clients.append(client)
        return client


@pytest.fixture
def world(app: FastAPI, client: TestClient, store: SqlStore,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:  # fmt: skip
    monkeypatch.setattr(registry, "PROGRAMMES", (ToyBloodPressure(),))
    monkeypatch.setattr(registry, "packaged_rules", lambda: {"toy-bp": RULE})
    made = World(app, client, store)
    yield made
    for c in made.clients:
        c.close()


def test_a_station_lists_and_records_for_its_ward(world: World) -> None:
    nurse = world.as_("clinician", subject="account:tyt-a", facility=STATION)
    listing = nurse.get("/api/programmes/toy-bp/due")
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert body["total"] == 1 and body["due"][0]["patient"] == world.ids["mine"]
    assert body["due"][0]["name"] != "—"
    home_page = nurse.get("/api/programmes")
    assert home_page.json()["enrolled"] == {"toy-bp": 1}
    view = nurse.get(f"/api/programmes/patients/{world.ids['mine']}")
    assert view.status_code == 200 and view.json()["enrolments"][0]["programme"] == "toy-bp"
    made = nurse.post(f"/api/programmes/patients/{world.ids['mine']}/visits",
                      json={"form": FORM["url"], "answers": {"sbp": 132}})  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["made"]["urn:hoso:visit-observation-0"].startswith("Observation/")


def test_another_ward_is_absent_and_bad_input_is_refused(world: World) -> None:
    nurse = world.as_("clinician", subject="account:tyt-a", facility=STATION)
    theirs = nurse.get(f"/api/programmes/patients/{world.ids['theirs']}")
    nobody = nurse.get("/api/programmes/patients/no-such-resident")
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.json()["issue"][0]["diagnostics"].replace(world.ids["theirs"], "X") == \
        nobody.json()["issue"][0]["diagnostics"].replace("no-such-resident", "X")  # fmt: skip
    visit = nurse.post(f"/api/programmes/patients/{world.ids['theirs']}/visits",
                       json={"form": FORM["url"], "answers": {"sbp": 130}})  # fmt: skip
    assert visit.status_code == 404
    assert nurse.get("/api/programmes/toy-bp/due", params={"ward": OTHER_WARD}).status_code == 403
    mine = world.ids["mine"]
    for bad in ({"form": FORM["url"], "answers": {"sbp": "x"}}, {"form": "nope", "answers": {}},
                {"form": FORM["url"], "answers": []}, [1, 2], {"form": FORM["url"],
                "answers": {"sbp": 120, "note": "x" * 3000}}):  # fmt: skip
        answer = nurse.post(f"/api/programmes/patients/{mine}/visits", json=bad)
        assert answer.status_code == 400, (bad, answer.text)
    huge = nurse.post(f"/api/programmes/patients/{mine}/visits", content=b"{" + b" " * 200_000,
                      headers={"Content-Type": "application/json"})  # fmt: skip
    assert huge.status_code in (400, 413)
    for query in ({"status": "nope"}, {"days": "-1"}, {"count": "100000"}, {"ward": "abc"},
                  {"offset": "x"}):  # fmt: skip
        assert nurse.get("/api/programmes/toy-bp/due", params=query).status_code == 400
    assert nurse.get("/api/programmes/nope/due").status_code == 404
    resident = world.as_("resident", subject="test:resident")
    assert resident.get("/api/programmes/toy-bp/due").status_code == 403


def test_the_pages_show_the_list_and_keep_what_was_typed(world: World, app: FastAPI) -> None:
    nurse = world.as_("clinician", subject="account:tyt-a", facility=STATION)
    page = nurse.get("/programmes/toy-bp/due")
    assert page.status_code == 200 and "Danh sách đến hạn" in page.text
    assert f"/programmes/patients/{world.ids['mine']}" in page.text
    assert world.ids["theirs"] not in page.text
    view = nurse.get(f"/programmes/patients/{world.ids['mine']}")
    assert view.status_code == 200 and "Huyết áp tâm thu" in view.text
    assert nurse.get(f"/programmes/patients/{world.ids['theirs']}").status_code == 404
    assert nurse.get("/programmes/").status_code == 200


def test_a_resident_sees_their_programmes_and_no_one_elses(world: World) -> None:
    mine, theirs = world.ids["mine"], world.ids["theirs"]
    resident = world.as_("resident", subject="test:resident-1", patient=mine)
    own = resident.get("/api/programmes/mine")
    assert own.status_code == 200, own.text
    assert [e["patient"] for e in own.json()["enrolments"]] == [mine]
    book = resident.get(f"/book/{mine}")
    assert book.status_code == 200 and "Chương trình y tế cộng đồng" in book.text
    assert "Tăng huyết áp (thử)" in book.text and "Khám huyết áp" in book.text
    assert resident.get(f"/book/{theirs}").status_code == 404
    assert resident.get(f"/api/programmes/patients/{mine}").status_code == 403  # staff's view
