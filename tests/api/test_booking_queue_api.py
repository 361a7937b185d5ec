"""The queue over HTTP on both databases: the public board (numbers only, no names, no
ids), the counter's steps as the room's facility staff, other facilities refused. The
steps run at the real clock (today), so the tickets here are walk-ins; booked tickets'
check-in is tested with an injected clock in tests/booking/test_queue.py."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access import claims as roles
from hoso.store.sql_store import SqlStore
from tests.api.conftest import role_clients
from tests.booking.world import FAC, OTHER_FAC, build_world

ROOM = f"room-{FAC}"
API = f"/api/booking/queue/{ROOM}"


def test_the_board_is_public_and_shows_numbers_only(app: FastAPI, store: SqlStore) -> None:
    world = build_world(store, residents=2, days=1)
    with role_clients(app) as make, TestClient(app) as anyone:
        counter = make(roles.CLINICIAN, facility=FAC)
        first = counter.post(f"{API}/walk-in", json={"patient": world.patients[0]})
        assert first.status_code == 201, first.text
        assert first.json()["label"] == "001" and first.json()["state"] == "arrived"
        assert counter.post(f"{API}/walk-in").json()["number"] == 2
        assert counter.post(f"{API}/walk-in").json()["number"] == 3
        called = counter.post(f"{API}/call-next").json()["called"]
        assert called["number"] == 1  # walk-ins only: by number
        board = anyone.get(API)
    assert board.status_code == 200
    assert board.headers["cache-control"] == "no-store"
    body = board.json()
    assert body["calling"] == "001" and body["next"] == ["002", "003"] and body["waiting"] == 2
    assert set(body) == {"service_point", "day", "calling", "recent", "next", "waiting"}
    text = board.text
    assert world.patients[0] not in text and "Nguyễn" not in text and "patient" not in text


def test_the_counters_steps_and_their_refusals(app: FastAPI, store: SqlStore) -> None:
    build_world(store, residents=1, days=1)
    with role_clients(app) as make:
        kiosk = make(roles.FACILITY_SYSTEM, facility=FAC)
        elsewhere = make(roles.CLINICIAN, facility=OTHER_FAC)
        centre = make(roles.CALL_CENTRE)
        number = kiosk.post(f"{API}/walk-in").json()["number"]
        for stranger in (elsewhere, centre):
            assert stranger.post(f"{API}/walk-in").status_code == 403
            assert stranger.post(f"{API}/call-next").status_code == 403
            assert stranger.post(f"{API}/done", json={"number": number}).status_code == 403
        again = kiosk.post(f"{API}/check-in", json={"number": number})
        assert again.status_code == 409  # a walk-in has arrived already
        assert "không thể tiếp đón" in again.text
        assert kiosk.post(f"{API}/check-in", json={"number": 999}).status_code == 404
        assert kiosk.post(f"{API}/check-in", json={"cccd": "12"}).status_code == 400
        assert kiosk.post(f"{API}/done", json={"number": "1"}).status_code == 400
        assert kiosk.post(f"{API}/call-next").json()["called"]["number"] == number
        assert kiosk.post(f"{API}/call-next").json() == {"called": None}
        done = kiosk.post(f"{API}/done", json={"number": number})
        assert done.status_code == 200 and done.json()["state"] == "done"
        assert kiosk.post(f"{API}/done", json={"number": number}).status_code == 409
        assert kiosk.post("/api/booking/queue/no-such-room/walk-in").status_code == 404
        assert kiosk.get("/api/booking/queue/bad%20id").status_code == 400


def test_the_numbers_api_json_and_csv(app: FastAPI, store: SqlStore) -> None:
    world = build_world(store, capacity=2, residents=1, days=1)
    day = world.first.isoformat()
    url = f"/api/booking/numbers?from={day}&to={day}"
    with role_clients(app) as make:
        officer, clerk = make(roles.OFFICER), make(roles.CLINICIAN, facility=FAC)
        resident = make(roles.RESIDENT)
        both = officer.get(url)
        assert both.status_code == 200, both.text
        assert [(r["facility"], r["capacity"], r["bookings"]) for r in both.json()["rows"]] == [
            (FAC, 16, 0), (OTHER_FAC, 16, 0)]  # fmt: skip
        mine = clerk.get(url)
        assert [r["facility"] for r in mine.json()["rows"]] == [FAC]
        assert clerk.get(f"{url}&facility={OTHER_FAC}").status_code == 403
        assert resident.get(url).status_code == 403
        table = officer.get(f"{url}&facility={FAC}&format=csv")
        assert officer.get(f"{url}&facility=a;b").status_code == 400
        assert officer.get("/api/booking/numbers?from=01/12/2026").status_code == 400
    assert table.headers["content-type"].startswith("text/csv")
    lines = table.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("facility,service_type,day,capacity,booked_seats,utilisation")
    assert lines[1].startswith(f"{FAC},kham-noi,{day},16,0,0.0,0,") and len(lines) == 2
