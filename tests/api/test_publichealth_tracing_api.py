"""Contact tracing over HTTP (issue 18 point 5): the JSON API and the pages behind the
same facade, by role; malformed and enormous input answered 4xx, never 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access.publichealth_tracing import MappedStations
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON, bearer
from tests.publichealth.tracing.world import (
    OFFICER_A,
    OFFICER_B,
    OTHER_STATION,
    OTHER_WARD,
    PARAMS,
    STATION,
    WARD,
    FakeCases,
    add_case,
    add_clinician,
    day,
    resident_at,
)


class Tracing:
    def __init__(self, app: FastAPI, store: SqlStore) -> None:
        self.app, self.store, self.clients = app, store, []  # type: ignore[var-annotated]
        app.state.ph_disease_params = PARAMS.__getitem__
        app.state.ph_case_opener = FakeCases(store.engine)
        app.state.ph_ward_stations = MappedStations({WARD: STATION, OTHER_WARD: OTHER_STATION})
        add_clinician(store.engine, "tyt-a", STATION)

    def as_(self, role: str, subject: str, **claims: Any) -> TestClient:
        headers = bearer(self.app, role=role, scopes=("user/*.cruds",), subject=subject, **claims)
        client = TestClient(self.app, raise_server_exceptions=False, headers=headers)
        self.clients.append(client)
        return client


@pytest.fixture
def tracing(app: FastAPI, store: SqlStore) -> Iterator[Tracing]:
    world = Tracing(app, store)
    yield world
    for c in world.clients:
        c.close()


def _source(client: TestClient, store: SqlStore) -> str:
    made = client.post("/fhir/Patient", json=resident_at(1), headers=FHIR_JSON)
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    add_case(store.engine, pid, officers=(OFFICER_A,))
    return pid


def _register(officer: TestClient, source: str, n: int = 2) -> Any:
    return officer.post("/api/publichealth/contacts", json={
        "disease": "measles", "source_patient": source, "target": resident_at(n),
        "last_exposure": day(-3), "setting": "school", "ward": WARD})  # fmt: skip


def test_the_whole_path_by_role(tracing: Tracing, client: TestClient, store: SqlStore) -> None:
    source = _source(client, store)
    officer = tracing.as_("officer", OFFICER_A)
    made = _register(officer, source)
    assert made.status_code == 201, made.text
    fid = made.json()["followup"]["id"]
    station = tracing.as_("clinician", "account:tyt-a", facility=STATION)
    listing = station.get("/api/publichealth/followups/due", params={"ward": WARD})
    assert listing.status_code == 200 and listing.json()["items"][0]["phone"] == "0900000002"
    other = tracing.as_("clinician", "account:tyt-z", facility=OTHER_STATION)
    absent = other.get("/api/publichealth/followups/due", params={"ward": WARD})
    nowhere = other.get("/api/publichealth/followups/due", params={"ward": "11111"})
    assert absent.status_code == nowhere.status_code == 404
    assert absent.json() == nowhere.json()
    assert other.post(f"/api/publichealth/followups/{fid}/visits",
                      json={"outcome": "seen-ok"}).status_code == 404  # fmt: skip
    stranger = tracing.as_("officer", OFFICER_B)
    hidden = stranger.get("/api/publichealth/followups/due", params={"ward": WARD}).json()
    assert hidden["items"][0]["identified"] is False and "phone" not in hidden["items"][0]
    resident = tracing.as_("resident", "account:p1", patient=source)
    assert resident.get("/api/publichealth/followups/due",
                        params={"ward": WARD}).status_code == 403  # fmt: skip
    visit = station.post(f"/api/publichealth/followups/{fid}/visits",
                         json={"outcome": "seen-with-symptoms"})  # fmt: skip
    assert visit.status_code == 200 and visit.json()["case_id"] is not None
    asked = officer.post("/api/publichealth/chains", json={"disease": "measles"})
    assert asked.status_code == 202, asked.text
    snap = officer.get(asked.json()["url"]).json()  # the job ran after the answer
    assert snap["status"] == "done" and snap["totals"]["cases"] == 2
    chain = officer.get(f"{asked.json()['url']}/chains/1").json()
    assert chain["svg"].startswith("<svg") and source in chain["svg"]
    assert station.get(asked.json()["url"]).status_code == 403
    shown = officer.get("/api/publichealth/tracing/indicators",
                        params={"disease": "measles", "from": day(-30)})  # fmt: skip
    assert shown.status_code == 200 and shown.json()["new_cases"]["known_contacts"] == 1


@pytest.mark.parametrize("path", ["/api/publichealth/contacts", "/api/publichealth/events",
                                  "/api/publichealth/followups/assign",
                                  "/api/publichealth/chains"])  # fmt: skip
def test_malformed_bodies_are_4xx(tracing: Tracing, path: str) -> None:
    officer = tracing.as_("officer", OFFICER_A)
    assert officer.post(path, content=b"{not json", headers={
        "Content-Type": "application/json"}).status_code == 400  # fmt: skip
    assert officer.post(path, json=[1, 2]).status_code == 400
    assert officer.post(path, json={"disease": {"$ne": 1}}).status_code == 400
    big = officer.post(path, content=b'{"a":"' + b"x" * 200_000 + b'"}',
                       headers={"Content-Type": "application/json"})  # fmt: skip
    assert big.status_code == 413
    assert officer.post(path, content=b"a=b", headers={
        "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415  # fmt: skip


@pytest.mark.parametrize("url", [
    "/api/publichealth/followups/abc/visits", "/api/publichealth/followups/99999999999/visits",
])  # fmt: skip
def test_malformed_ids_are_4xx(tracing: Tracing, url: str) -> None:
    officer = tracing.as_("officer", OFFICER_A)
    assert officer.post(url, json={"outcome": "seen-ok"}).status_code == 400
    for bad in ("/api/publichealth/chains/x", "/api/publichealth/chains/1/chains/-1",
                "/api/publichealth/followups/due?ward=1&limit=9999999999",
                "/api/publichealth/tracing/indicators?disease=measles&from=1/1/2026"):
        assert officer.get(bad).status_code in (400, 404), bad


def test_the_pages(tracing: Tracing, client: TestClient, store: SqlStore) -> None:
    source = _source(client, store)
    officer = tracing.as_("officer", OFFICER_A)
    assert _register(officer, source).status_code == 201
    station = tracing.as_("clinician", "account:tyt-a", facility=STATION)
    page = station.get("/publichealth/contacts.html", params={"ward": WARD})
    assert page.status_code == 200 and "0900000002" in page.text and "@media print" not in page.text
    assert "Người tiếp xúc cần thăm" in page.text
    other = tracing.as_("clinician", "account:tyt-z", facility=OTHER_STATION)
    assert other.get("/publichealth/contacts.html", params={"ward": WARD}).status_code == 404
    snap = officer.post("/api/publichealth/chains", json={"disease": "measles"}).json()
    chain = officer.get(f"/publichealth/chains/{snap['id']}.html")
    assert chain.status_code == 200 and "<svg" in chain.text and "Chuỗi lây nhiễm" in chain.text
    assert officer.get("/publichealth/chains/424242.html").status_code == 404


def test_the_chains_page_asks_for_a_snapshot(tracing: Tracing, client: TestClient,
                                             store: SqlStore) -> None:  # fmt: skip
    import re

    source = _source(client, store)
    officer = tracing.as_("officer", OFFICER_A)
    assert _register(officer, source).status_code == 201
    page = officer.get("/publichealth/chains.html", params={"disease": "measles"})
    assert page.status_code == 200 and "Chưa có" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    forged = officer.post("/publichealth/chains.html", data={"disease": "measles",
                                                             "csrf": "x"})  # fmt: skip
    assert forged.status_code == 403
    asked = officer.post("/publichealth/chains.html", data={"disease": "measles", "csrf": csrf},
                         follow_redirects=False)  # fmt: skip
    assert asked.status_code == 303, asked.text
    shown = officer.get(asked.headers["location"])
    assert shown.status_code == 200 and "<svg" in shown.text  # computed after the answer
    listed = officer.get("/publichealth/chains.html", params={"disease": "measles"})
    assert "done" in listed.text
    station = tracing.as_("clinician", "account:tyt-a", facility=STATION)
    assert station.get("/publichealth/chains.html",
                       params={"disease": "measles"}).status_code == 403  # fmt: skip
    assert officer.get("/publichealth/chains.html",
                       params={"disease": "<x>"}).status_code == 400  # fmt: skip


def test_the_supervisors_bulk_form(tracing: Tracing, client: TestClient, store: SqlStore) -> None:
    import re

    add_clinician(store.engine, "tyt-b", STATION)
    source = _source(client, store)
    officer = tracing.as_("officer", OFFICER_A)
    fids = [_register(officer, source, n).json()["followup"]["id"] for n in (2, 3)]
    page = officer.get("/publichealth/contacts.html", params={"ward": WARD})
    assert 'id="bulk"' in page.text and 'form="bulk"' in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text.split('id="bulk"')[1])
    data = {"csrf": csrf.group(1), "ward": WARD, "action": "assign",  # type: ignore[union-attr]
            "assignee": "account:tyt-b", "fid": [str(f) for f in fids]}
    moved = officer.post("/publichealth/contacts/bulk", data=data, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"].endswith("bulk=2")
    listing = officer.get("/api/publichealth/followups/due", params={"ward": WARD}).json()
    assert {i["assignee"] for i in listing["items"]} == {"account:tyt-b"}
    done = officer.post("/publichealth/contacts/bulk", follow_redirects=False,
                        data={**data, "action": "outcome", "outcome": "not-attempted"})
    assert done.status_code == 303 and done.headers["location"].endswith("bulk=2")
    station = tracing.as_("clinician", "account:tyt-a", facility=STATION)
    own = station.get("/publichealth/contacts.html", params={"ward": WARD})
    assert 'id="bulk"' not in own.text
    assert station.post("/publichealth/contacts/bulk", data=data).status_code == 403


def test_with_the_stored_definition_and_the_case_register(app: FastAPI, client: TestClient,
                                                          store: SqlStore) -> None:  # fmt: skip
    """Nothing faked: the follow-up period from the stored measles definition (21 days),
    the suspected case opened in the case register with the definition's deadline."""
    from pathlib import Path

    import sqlalchemy as sa

    import hoso.publichealth
    from hoso.store.publichealth_schema import ph_case, ph_disease

    text = (Path(hoso.publichealth.__file__).parent / "data" / "diseases" / "measles.json"
            ).read_text(encoding="utf-8")  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(sa.insert(ph_disease).values(code="measles", version=3, content=text,
                                                  enabled=True, created_by="t", created_at=0))
    app.state.ph_ward_stations = MappedStations({WARD: STATION})
    add_clinician(store.engine, "tyt-a", STATION)
    source = _source(client, store)
    officer = TestClient(app, raise_server_exceptions=False, headers=bearer(
        app, role="officer", scopes=("user/*.cruds",), subject=OFFICER_A))  # fmt: skip
    made = _register(officer, source).json()
    assert made["followup"]["end"] == day(18)  # last exposure −3 days + 21
    station = TestClient(app, raise_server_exceptions=False, headers=bearer(
        app, role="clinician", scopes=("user/*.cruds",), subject="account:tyt-a",
        facility=STATION))  # fmt: skip
    sick = station.post(f"/api/publichealth/followups/{made['followup']['id']}/visits",
                        json={"outcome": "seen-with-symptoms", "onset_date": day(-1)})
    assert sick.status_code == 200, sick.text
    with store.engine.connect() as conn:
        case = conn.execute(sa.select(ph_case).where(ph_case.c.id == sick.json()["case_id"])).one()
    assert (case.classification, case.onset_date, case.ward, case.definition_version) == (
        "suspected", day(-1), WARD, 3)
    assert case.deadline_at > case.diagnosed_at
    officer.close()
    station.close()


def test_the_grace_period_is_configured(tracing: Tracing, client: TestClient,
                                        store: SqlStore) -> None:  # fmt: skip
    from hoso.publichealth.tracing.followup import ClosingRules

    tracing.app.state.ph_closing_rules = ClosingRules(grace_days=10)
    source = _source(client, store)
    officer = tracing.as_("officer", OFFICER_A)
    made = officer.post("/api/publichealth/contacts", json={
        "disease": "measles", "source_patient": source, "target": resident_at(2),
        "last_exposure": day(-26), "ward": WARD}).json()  # fmt: skip
    assert made["followup"]["end"] == day(-5)  # ended 5 days ago, no visit
    assert client.post("/api/publichealth/followups/close", json={}).json()["lost"] == 0
    later = client.post("/api/publichealth/followups/close", json={"today": day(6)}).json()
    assert later["lost"] == 1  # 11 days past the end > 10
