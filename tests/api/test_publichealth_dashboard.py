"""The surveillance dashboard's JSON API and pages (issue 18 points 3, 6, 7) on both
databases: officers see the aggregates of a disease (curve by onset and report, the
168-ward map with rates, the district-level table), small ward counts hidden from an
officer who does not answer for the ward, alarms decided once (verify, dismiss, focus),
foci registered, moved and reported daily — each audited; everyone else refused; bad
input answered 400/404/413/415, never 500."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.core import jsonx
from hoso.publichealth.daily import run_daily
from hoso.publichealth.series.rt_view import RtWindow
from hoso.store import schema
from hoso.store.publichealth_series import SqlSurveillance
from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.publichealth.case_rows import Case, assign_ward, enable_diseases, insert_cases
from tests.publichealth.fakes import DefaultCatalogue

SAIGON, BEN_THANH, THU_DAU_MOT = "26740", "26743", "25747"
TODAY = date(2026, 12, 6)  # a Sunday


def _case_days() -> list[Case]:
    """A steady trickle of dengue in Sài Gòn for 10 weeks, then a jump; 4 cases in Bến
    Thành last week; 1 measles case."""
    cases = []
    for week in range(10, 0, -1):
        day = (TODAY - timedelta(weeks=week)).isoformat()
        cases += [Case("dengue", SAIGON, day)] * 2
    last_week = TODAY - timedelta(days=3)
    cases += [Case("dengue", SAIGON, last_week.isoformat())] * 9
    cases += [Case("dengue", BEN_THANH, last_week.isoformat())] * 4
    cases += [Case("dengue", BEN_THANH, last_week.isoformat(), classification="discarded")]
    cases += [Case("measles", THU_DAU_MOT, last_week.isoformat())]
    return cases


@pytest.fixture
def world(app: FastAPI, store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    from hoso.api import publichealth_dashboard_routes as routes

    monkeypatch.setattr(routes, "today", lambda: TODAY)
    insert_cases(store.engine, _case_days())
    enable_diseases(store.engine, ["dengue", "measles"])
    assign_ward(store.engine, "account:an", SAIGON)
    rows = SqlSurveillance(store.engine)
    rows.store_population([(SAIGON, 2026, 50_000), (BEN_THANH, 2026, 40_000)])
    run_daily(rows, DefaultCatalogue(["dengue", "measles"]), TODAY + timedelta(days=1), 1)
    yield app


def _client(app: FastAPI, role: str = "officer", subject: str = "account:an",
            **claims: str) -> TestClient:  # fmt: skip
    scopes = ("user/*.rs",) if role != "operator" else ("system/*.*",)
    headers = bearer(app, role=role, scopes=scopes, subject=subject, **claims)
    return TestClient(app, raise_server_exceptions=False, headers=headers)


def _audit(store: SqlStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_event).order_by(schema.audit_event.c.seq))
        return [jsonx.loads(row.content) for row in rows]


def _subtypes(store: SqlStore) -> list[str]:
    return [e["subtype"][0]["code"] for e in _audit(store) if e.get("subtype")]


def test_an_officer_sees_the_dashboard_of_a_disease(world: FastAPI, store: SqlStore) -> None:
    an = _client(world)
    listed = an.get("/api/publichealth/surveillance")
    assert listed.status_code == 200, listed.text
    assert [d["code"] for d in listed.json()["diseases"]] == ["dengue", "measles"]
    got = an.get("/api/publichealth/surveillance/dengue", params={"interval": "week"})
    assert got.status_code == 200, got.text
    data = got.json()
    assert data["query"]["classification"] == ["suspected", "probable", "confirmed"]
    assert sum(n or 0 for n in data["curve"]["onset"]) == 20 + 9 + 4  # discarded not counted
    assert data["curve"]["onset"][-1] == 13 and len(data["curve"]["periods"]) == 26
    tiles = {t["ward"]: t for t in data["map"]}
    assert len(tiles) == 168
    assert tiles[SAIGON]["cases"] == 29 and tiles[SAIGON]["rate"] == 58.0
    assert tiles[SAIGON]["class"] == 4  # 50–100 per 100,000
    # Bến Thành's 4 cases: not An's ward, so "<5".
    assert tiles[BEN_THANH]["cases"] is None and tiles[BEN_THANH]["suppressed"] is True
    districts = {r["area"]: r for r in data["districts"]}
    assert districts["Quận 1"]["cases"] == 33 and districts["city"]["cases"] == 33
    assert data["rt"] == {"available": False} and data["open_signals"] >= 1
    assert "surveillance-dashboard" in _subtypes(store)


def test_the_operator_sees_every_count_and_a_filter_narrows_them(world: FastAPI) -> None:
    operator = _client(world, "operator", "operator:root")
    data = operator.get("/api/publichealth/surveillance/dengue").json()
    assert {t["ward"]: t["cases"] for t in data["map"]}[BEN_THANH] == 4
    daily = operator.get("/api/publichealth/surveillance/dengue",
                         params={"interval": "day", "classification": "probable",
                                 "level": "ward", "area": SAIGON}).json()  # fmt: skip
    assert daily["curve"]["onset"] == [0] * 60


def test_alarms_are_decided_once_and_audited(world: FastAPI, store: SqlStore) -> None:
    an, binh = _client(world), _client(world, subject="account:binh")
    signals = an.get("/api/publichealth/signals", params={"status": "open"}).json()["signals"]
    saigon = next(s for s in signals if s["ward"] == SAIGON)
    assert saigon["observed"] == 9 and saigon["expected"] == 2.0 and saigon["method"] == "four-week"
    assert next(s for s in signals if s["ward"] == "city")["observed"] == 13
    verified = an.post(f"/api/publichealth/signals/{saigon['id']}/decision",
                       json={"decision": "verify", "note": "Tăng thật / real"})  # fmt: skip
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    again = binh.post(f"/api/publichealth/signals/{saigon['id']}/decision",
                      json={"decision": "verify"})  # fmt: skip
    assert again.status_code == 409
    # The job already suggested a focus in Sài Gòn: the signal joins it and confirms it.
    suggested = {f["ward"]: f for f in an.get("/api/publichealth/foci", params={
        "status": "suggested", "disease": "dengue"}).json()["foci"]}  # fmt: skip
    made = binh.post(f"/api/publichealth/signals/{saigon['id']}/decision",
                     json={"decision": "focus"})  # fmt: skip
    assert made.status_code == 200 and made.json()["status"] == "focus"
    assert made.json()["focus_id"] == suggested[SAIGON]["id"]
    focus = an.get(f"/api/publichealth/foci/{made.json()['focus_id']}").json()
    assert focus["status"] == "active" and focus["case_count"] == 11  # 14 days by onset
    assert focus["response_deadline_at"] == 1 + 48 * 3_600_000_000  # from its suggestion
    # Bến Thành's suggestion rejected: its signal then opens a focus of its own.
    rejected = an.post(f"/api/publichealth/foci/{suggested[BEN_THANH]['id']}/status",
                       json={"action": "reject"})  # fmt: skip
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    ben_thanh = next(s for s in signals if s["ward"] == BEN_THANH)
    own = an.post(f"/api/publichealth/signals/{ben_thanh['id']}/decision",
                  json={"decision": "focus"}).json()  # fmt: skip
    fresh = an.get(f"/api/publichealth/foci/{own['focus_id']}").json()
    assert fresh["id"] != suggested[BEN_THANH]["id"] and fresh["status"] == "active"
    # Dengue: respond within 48 hours of opening.
    assert fresh["response_deadline_at"] - fresh["opened_at"] == 48 * 3_600_000_000
    assert fresh["overdue"] is False and fresh["report_count"] == 0
    # The job's suggestion ran its 48 h from the fixture's instant 1 µs: long past.
    assert focus["overdue"] is True
    city = next(s for s in signals if s["ward"] == "city")
    assert an.post(f"/api/publichealth/signals/{city['id']}/decision",
                   json={"decision": "focus"}).status_code == 400  # fmt: skip
    decisions = [e for e in _audit(store)
                 if e["subtype"][0]["code"] == "surveillance-signal-decision"]  # fmt: skip
    assert [d["outcome"] for d in decisions] == ["0", "4", "0", "0", "4"]
    assert decisions[0]["agent"][0]["who"]["identifier"]["value"] == "account:an"


def test_foci_registered_moved_and_reported_daily(world: FastAPI) -> None:
    an = _client(world)
    body = {"disease": "measles", "ward": THU_DAU_MOT, "first_case_date": "2026-12-03",
            "last_case_date": "2026-12-03", "case_count": 1}  # fmt: skip
    made = an.post("/api/publichealth/foci", json=body)
    assert made.status_code == 201, made.text
    focus_id = made.json()["id"]
    report = an.post(f"/api/publichealth/foci/{focus_id}/reports",
                     json={"text": "Tiêm vắc xin vòng / ring vaccination", "new_cases": 0})
    assert report.status_code == 201 and report.json()["day"] == TODAY.isoformat()
    twice = an.post(f"/api/publichealth/foci/{focus_id}/reports", json={"text": "again"})
    assert twice.status_code == 409
    closed = an.post(f"/api/publichealth/foci/{focus_id}/status", json={"action": "close"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = an.post(f"/api/publichealth/foci/{focus_id}/reports", json={"text": "late"})
    assert late.status_code == 409
    shown = an.get(f"/api/publichealth/foci/{focus_id}").json()
    assert [r["text"] for r in shown["reports"]] == ["Tiêm vắc xin vòng / ring vaccination"]
    listed = an.get("/api/publichealth/foci", params={"disease": "measles"}).json()["foci"]
    assert listed[0]["report_count"] == 1 and listed[0]["last_report_day"] == TODAY.isoformat()
    # Another officer sees the focus of 1 case as "<5".
    assert _client(world, subject="account:binh").get(
        f"/api/publichealth/foci/{focus_id}").json()["case_count"] is None


def test_the_daily_job_suggested_a_dengue_focus(world: FastAPI) -> None:
    foci = _client(world).get("/api/publichealth/foci", params={"status": "suggested"}).json()
    wards = {(f["disease"], f["ward"]) for f in foci["foci"]}
    assert ("dengue", SAIGON) in wards and ("dengue", BEN_THANH) in wards  # 2 in 14 days
    assert ("measles", THU_DAU_MOT) not in wards  # 1 case; measles needs 2


@pytest.mark.parametrize("role", ["clinician", "resident", "steward", "dpo", "admin"])
def test_other_roles_are_refused(world: FastAPI, role: str) -> None:
    other = _client(world, role, f"account:{role}", facility="79001")
    for url in ("/api/publichealth/surveillance", "/api/publichealth/surveillance/dengue",
                "/api/publichealth/signals", "/api/publichealth/foci"):
        assert other.get(url).status_code == 403, url
    assert other.post("/api/publichealth/foci/1/status",
                      json={"action": "close"}).status_code == 403  # fmt: skip
    assert _client(world, role, f"account:{role}").get("/publichealth/",
                                                       ).status_code == 403  # fmt: skip


def test_bad_input_is_a_clear_4xx(world: FastAPI) -> None:
    an = _client(world)
    base = "/api/publichealth/surveillance/dengue"
    for params in ({"interval": "month"}, {"from": "2026-13-01"}, {"from": "x" * 5000},
                   {"from": "2000-01-01", "interval": "day"},
                   {"from": "2026-12-01", "to": "2026-11-01"},
                   {"classification": "discarded"}, {"basis": "death"}):
        answer = an.get(base, params=params)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.json()["resourceType"] == "OperationOutcome"
    assert an.get(base, params={"level": "district", "area": "Quận 99"}).status_code == 404
    assert an.get("/api/publichealth/surveillance/" + "x" * 300).status_code == 404
    assert an.get("/api/publichealth/surveillance/cholera").status_code == 404  # not enabled
    assert an.get("/api/publichealth/signals", params={"limit": "100000"}).status_code == 400
    assert an.get("/api/publichealth/foci/99999999999").status_code == 404
    assert an.get("/api/publichealth/foci/12345").status_code == 404
    assert an.post("/api/publichealth/signals/1/decision", json=[1]).status_code == 400
    assert an.post("/api/publichealth/signals/1/decision",
                   json={"decision": "delete"}).status_code == 400  # fmt: skip
    assert an.post("/api/publichealth/foci", json={"disease": "dengue", "ward": "99999",
                   "first_case_date": "2026-01-01", "last_case_date": "2026-01-01"}
                   ).status_code == 400  # fmt: skip
    huge = an.post("/api/publichealth/foci/1/reports", json={"text": "x" * 20_000})
    assert huge.status_code == 413
    csv = an.put("/api/publichealth/population", content="ward,year,population\n1,2,3\n",
                 headers={"Content-Type": "text/csv"})  # fmt: skip
    assert csv.status_code == 400 and "Dòng 2" in csv.text and "Line 2" in csv.text
    enormous = "ward,year,population\n" + "26740,2026,1\n" * 60_000
    assert an.put("/api/publichealth/population", content=enormous,
                  headers={"Content-Type": "text/csv"}).status_code == 413  # fmt: skip
    assert an.get(base, params={"area": "Phường ' OR 1=1 --", "level": "ward"}
                  ).status_code == 404  # fmt: skip
    assert an.get("/api/publichealth/signals", params={"offset": "-1"}).status_code == 400
    assert an.put("/api/publichealth/population", content="{}",
                  headers={"Content-Type": "application/json"}).status_code == 415  # fmt: skip


def test_population_loaded_from_csv(world: FastAPI, store: SqlStore) -> None:
    an = _client(world)
    answer = an.put("/api/publichealth/population",
                    content=f"ward,year,population\n{BEN_THANH},2026,20000\n",
                    headers={"Content-Type": "text/csv"})  # fmt: skip
    assert answer.status_code == 200 and answer.json() == {"stored": 1}
    assert SqlSurveillance(store.engine).population(2026)[BEN_THANH] == 20_000
    assert "surveillance-population" in _subtypes(store)


def test_rt_comes_from_the_plugged_estimator(world: FastAPI) -> None:
    seen: dict[str, Any] = {}

    def fake(incidence: list[int], *, si_mean: float, si_sd: float,
             window: int = 7) -> list[RtWindow]:  # fmt: skip
        seen.update(n=len(incidence), total=sum(incidence), si=(si_mean, si_sd))
        q = {"0.025": 0.8, "0.05": 0.9, "0.25": 1.1, "0.5": 1.2, "0.75": 1.3, "0.95": 1.5,
             "0.975": 1.6}  # fmt: skip
        return [RtWindow(t, t + window - 1, 1.2, 0.2, q) for t in range(2, len(incidence) - 5)]

    world.state.ph_rt_estimator = fake
    data = _client(world).get("/api/publichealth/surveillance/dengue",
                              params={"level": "district", "area": "Quận 1"}).json()  # fmt: skip
    assert data["rt"]["available"] is True and data["rt"]["area"] == "Quận 1"
    assert seen == {"n": 120, "total": 20 + 9 + 4, "si": (15.0, 5.0)}  # the last 120 days
    assert data["rt"]["windows"][-1]["end_day"] == TODAY.isoformat()
    page = _client(world).get("/publichealth/diseases/dengue")
    assert page.status_code == 200 and "rt-line" in page.text


def test_the_pages_render_and_their_forms_act(world: FastAPI, store: SqlStore) -> None:
    an = _client(world)
    home = an.get("/publichealth/")
    assert home.status_code == 200, home.text
    assert "Sốt xuất huyết Dengue" in home.text and home.text.count('class="tile ') == 168
    assert "bar-onset" in home.text and "&lt;5" in home.text
    page = an.get("/publichealth/signals")
    assert page.status_code == 200 and 'name="decision"' in page.text
    signal_id = int(page.text.split('id="signal-')[1].split('"')[0])
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    done = an.post(f"/publichealth/signals/{signal_id}", data={"csrf": token,
                   "decision": "dismiss", "note": "trùng / duplicate"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    forged = an.post(f"/publichealth/signals/{signal_id}", data={"csrf": "x", "decision":
                     "verify"}, follow_redirects=False)  # fmt: skip
    assert forged.status_code == 403
    assert an.get("/publichealth/foci").status_code == 200
    assert an.get("/publichealth/population").status_code == 200


def test_every_areas_counts_per_week_and_day(world: FastAPI, store: SqlStore) -> None:
    an = _client(world)
    url = "/api/publichealth/surveillance/dengue/series"
    wards = an.get(url, params={"level": "ward"}).json()
    assert len(wards["areas"]) == 168 and len(wards["periods"]) == 26
    by_ward = {a["area"]: a for a in wards["areas"]}
    assert by_ward[SAIGON]["total"] == 29 and by_ward[SAIGON]["counts"][-1] == 9
    assert by_ward[SAIGON]["rate"] == 58.0 and by_ward[SAIGON]["name"] == "Phường Sài Gòn"
    assert by_ward[BEN_THANH]["total"] is None  # 4: not An's ward
    assert set(by_ward[BEN_THANH]["counts"]) == {0, None}
    by_report = an.get(url, params={"level": "district", "basis": "report",
                                    "interval": "day", "from": "2026-12-01"}).json()  # fmt: skip
    district = {a["area"]: a for a in by_report["areas"]}
    assert len(district) == 38 and district["Quận 1"]["counts"][2] == 13  # 03/12
    city = an.get(url, params={"level": "city", "classification": "confirmed"}).json()
    assert [a["total"] for a in city["areas"]] == [33]
    assert an.get(url, params={"level": "region"}).status_code == 400
    assert _client(world, "clinician", "account:bs").get(url).status_code == 403
    assert "surveillance-series" in _subtypes(store)
