"""The register of dependent and bedridden older people over HTTP (issue 19 point 4):
a station nurse sees her ward's residents on it after a home visit recorded from the
packaged form, never another ward's; other roles are refused; bad queries are 400."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON, bearer
from tests.builders.programmes import recompute_all
from tests.callers import as_caller
from tests.programmes.world import OTHER_STATION, OTHER_WARD, STATION, STATIONS, WARD, home

HOME_VISIT = "https://hoso.vn/fhir/Questionnaire/elderly-home-visit"


class World:
    def __init__(self, app: FastAPI, client: TestClient, store: SqlStore) -> None:
        self.app, self.store, self.clients = app, store, []  # type: ignore[var-annotated]
        app.state.ph_ward_stations = STATIONS
        for code, name in ((STATION, "Trạm y tế Phường Sài Gòn"),
                           (OTHER_STATION, "Trạm y tế Phường Bến Thành")):  # fmt: skip
            org = {"resourceType": "Organization", "name": name,
                   "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": code}]}  # fmt: skip
            assert client.post("/fhir/Organization", json=org, headers=FHIR_JSON).status_code == 201
        self.ids = {}
        for name, n, ward in (("mine", 1, WARD), ("well", 3, WARD), ("theirs", 5, OTHER_WARD)):
            self.ids[name] = client.post("/fhir/Patient", json=home(n, ward),
                                         headers=FHIR_JSON).json()["id"]  # fmt: skip
        self.recompute()

    def recompute(self) -> None:
        with as_caller(self.store) as operator:
            recompute_all(self.store, operator).everyone()

    def as_(self, role: str, **claims: Any) -> TestClient:
        headers = bearer(self.app, role=role, scopes=("user/*.cruds",), **claims)
        client = TestClient(self.app, raise_server_exceptions=False, headers=headers)
        self.clients.append(client)
        return client


@pytest.fixture
def world(app: FastAPI, client: TestClient, store: SqlStore) -> Iterator[World]:
    made = World(app, client, store)
    yield made
    for c in made.clients:
        c.close()


def _flag(nurse: TestClient, patient: str, bedridden: bool) -> None:
    visit = nurse.post(f"/api/programmes/patients/{patient}/visits",
                       json={"form": HOME_VISIT, "answers": {"dependent": True,
                                                             "bedridden": bedridden}})  # fmt: skip
    assert visit.status_code == 201, visit.text


def test_a_station_sees_its_wards_register_only(world: World) -> None:
    nurse = world.as_("clinician", subject="account:tyt-a", facility=STATION)
    other = world.as_("clinician", subject="account:tyt-b", facility=OTHER_STATION)
    assert nurse.get("/api/programmes/elderly/register").json()["total"] == 0
    listed = nurse.get("/api/programmes").json()
    codes = [p["code"] for p in listed["programmes"]]
    assert {"elderly", "hypertension", "diabetes"} <= set(codes)
    assert listed["enrolled"]["elderly"] == 2  # born 1951 and 1953 in this ward
    _flag(nurse, world.ids["mine"], bedridden=True)
    _flag(other, world.ids["theirs"], bedridden=False)
    world.recompute()
    body = nurse.get("/api/programmes/elderly/register").json()
    assert [r["patient"] for r in body["register"]] == [world.ids["mine"]]
    row = body["register"][0]
    assert (row["detail"]["bedridden"], row["detail"]["source"]) == (True, "hand-set")
    assert row["status"] == "upcoming"  # visited today: the next visit is in 30 days
    theirs = other.get("/api/programmes/elderly/register").json()["register"]
    assert [(r["patient"], r["detail"]["bedridden"]) for r in theirs] == [(world.ids["theirs"],
                                                                          False)]  # fmt: skip
    page = nurse.get("/programmes/elderly/register")
    assert page.status_code == 200 and "Nằm liệt giường" in page.text
    assert world.ids["mine"] in page.text and world.ids["theirs"] not in page.text
    assert "Sổ phụ thuộc, liệt giường" in nurse.get("/programmes/").text


def test_other_wards_roles_and_bad_queries_are_refused(world: World) -> None:
    nurse = world.as_("clinician", subject="account:tyt-a", facility=STATION)
    url = "/api/programmes/elderly/register"
    assert nurse.get(url, params={"ward": OTHER_WARD}).status_code == 403
    for query in ({"status": "nope"}, {"count": "100000"}, {"ward": "abc"}, {"offset": "x"},
                  {"days": "-3"}):  # fmt: skip
        assert nurse.get(url, params=query).status_code == 400, query
    for role in ("resident", "officer"):
        assert world.as_(role, subject=f"test:{role}").get(url).status_code == 403
    assert nurse.get("/programmes/elderly/register", params={"ward": "abc"}).status_code == 400


def test_the_residents_view_shows_the_icope_domains_and_the_bp_readings(world: World) -> None:
    nurse = world.as_("clinician", subject="account:tyt-a", facility=STATION)
    mine = world.ids["mine"]
    screen = {"cog-recall": 3, "cog-date": True, "cog-place": True, "mob-chair-seconds": 17.5,
              "nut-weight-loss": False, "nut-appetite": True, "vis-problem": False,
              "hear-whisper": True, "dep-down": False, "dep-interest": False}  # fmt: skip
    visits = (("icope-step1", screen),
              ("hypertension-visit", {"bp-systolic": 150, "bp-diastolic": 92}),
              ("elderly-health-check", {"bp-systolic": 146, "bp-diastolic": 88}))  # fmt: skip
    for form, answers in visits:
        made = nurse.post(f"/api/programmes/patients/{mine}/visits",
                          json={"form": f"https://hoso.vn/fhir/Questionnaire/{form}",
                                "answers": answers})  # fmt: skip
        assert made.status_code == 201, made.text
    world.recompute()
    page = nurse.get(f"/programmes/patients/{mine}")
    assert page.status_code == 200, page.text
    text = page.text
    domains = text[text.index('id="icope-domains"') :].split("</ul>", 1)[0]
    assert "Sàng lọc ICOPE bước 1" in text and domains.count("<li>") == 6
    assert domains.count("dương tính — cần đánh giá bước 2") == 2  # mobility and nutrition
    checked = text[text.index('id="checked-12m"') :].split("</p>", 1)[0]
    assert ": có" in checked
    assert "146/88 mmHg" in text and text.index("150/92 mmHg</li>") < text.index("146/88 mmHg</li>")
    english = nurse.get(f"/programmes/patients/{mine}", cookies={"lang": "en"})
    assert english.status_code == 200
