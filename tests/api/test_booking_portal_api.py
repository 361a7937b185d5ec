"""The mobile booking API (`/api/booking`) over the real app on both databases: a
resident finds, holds, books, reschedules and cancels with their own token; a full
Slot is a 409; another resident's Appointment is the same 404 as an absent one; staff of
another facility may not overbook; malformed and enormous input is a 400 or a 413."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.api import health_book_routes
from hoso.api.book_etags import BuiltBooks
from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.booking.world import FAC, OTHER_FAC, World, build_world

API = "/api/booking"


@pytest.fixture
def world(store: SqlStore) -> World:
    return build_world(store, capacity=1, residents=3, days=2)


@pytest.fixture
def clients(app: FastAPI) -> Iterator[dict[str, TestClient]]:
    def client(role: str, scopes: tuple[str, ...], **claims: str) -> TestClient:
        return TestClient(app, raise_server_exceptions=False,
                          headers=bearer(app, role=role, scopes=scopes, **claims))  # fmt: skip

    made = {f"p{n}": client("resident", ("patient/*.rs",), patient=f"bk-p{n}",
                            subject=f"account:p{n}") for n in range(3)}  # fmt: skip
    made["other-clinic"] = client("clinician", ("user/*.cruds",), facility=OTHER_FAC)
    made["call-centre"] = client("call-centre", ("user/*.rs",))
    yield made
    for c in made.values():
        c.close()


def _options(client: TestClient, world: World, later: int = 0) -> list[dict]:
    """The options at FAC on the world's first day (+ `later` days): the earliest free
    slot of the facility that day (`$find` gives one per facility and service)."""
    day = (world.first + timedelta(days=later)).isoformat()
    answer = client.get(f"{API}/options", params={"service": "kham-noi", "from": day, "to": day,
                                                   "facility": FAC, "count": 20})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()["options"]


def test_a_resident_holds_books_reschedules_and_cancels(world: World,
                                                        clients: dict[str, TestClient]
                                                        ) -> None:  # fmt: skip
    me = clients["p0"]
    options = _options(me, world)
    assert options and options[0]["facility"] == f"Bệnh viện thử {FAC}"
    assert options[0]["room"] == "Phòng khám 1" and options[0]["service"] == "Khám Nội tổng quát"
    assert options[0]["start"].endswith("+07:00")
    held = me.post(f"{API}/holds", json={"slot": options[0]["slot"]})
    assert held.status_code == 201, held.text
    assert held.json()["appointment"]["status"] == "pending"
    booked = me.post(f"{API}/appointments", json={"hold": held.json()["visit"]["id"]})
    assert booked.status_code == 201, booked.text
    visit = booked.json()["visit"]
    assert visit["status"] == "booked" and visit["queue"] == "001"
    assert visit["facility"] == f"Bệnh viện thử {FAC}" and visit["room"] == "Phòng khám 1"
    listed = me.get(f"{API}/appointments").json()["visits"]
    assert [v["id"] for v in listed] == [visit["id"]]
    later = _options(me, world, later=1)[0]["slot"]
    moved = me.post(f"{API}/appointments/{visit['id']}/reschedule", json={"slot": later})
    assert moved.status_code == 200, moved.text
    assert moved.json()["previous"] == visit["id"]
    new = moved.json()["visit"]
    assert new["slot"] == later and new["status"] == "booked"
    gone = me.delete(f"{API}/appointments/{new['id']}", params={"reason": "Bận việc"})
    assert gone.status_code == 200 and gone.json()["visit"]["status"] == "cancelled"
    assert gone.json()["visit"]["reason"] == "Bận việc"
    assert me.get(f"{API}/appointments").json()["visits"] == []
    # Both seats came back: each day's first slot is offered again.
    assert _options(me, world)[0]["slot"] == options[0]["slot"]
    assert _options(me, world, later=1)[0]["slot"] == later


def test_a_full_slot_is_a_409_in_vietnamese(world: World, clients: dict[str, TestClient]) -> None:
    slot = _options(clients["p0"], world)[0]["slot"]
    assert clients["p0"].post(f"{API}/appointments", json={"slot": slot}).status_code == 201
    full = clients["p1"].post(f"{API}/appointments", json={"slot": slot})
    assert full.status_code == 409
    outcome = full.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "hết chỗ" in outcome["issue"][0]["diagnostics"]
    assert full.headers["content-type"].startswith("application/fhir+json")


def test_another_residents_visit_is_the_same_404_as_an_absent_one(
    world: World, clients: dict[str, TestClient]
) -> None:
    slot = _options(clients["p0"], world)[0]["slot"]
    mine = clients["p0"].post(f"{API}/appointments", json={"slot": slot}).json()["visit"]["id"]
    other = _options(clients["p0"], world)[0]["slot"]
    intruder = clients["p1"]
    absent = "00000000-0000-0000-0000-000000000000"
    for path, call in (
        ("", intruder.delete),
        ("/reschedule", lambda url: intruder.post(url, json={"slot": other})),
    ):
        theirs, nobody = call(f"{API}/appointments/{mine}{path}"), call(
            f"{API}/appointments/{absent}{path}")  # fmt: skip
        assert theirs.status_code == nobody.status_code == 404
        assert theirs.json()["issue"][0]["diagnostics"].replace(mine, "X") == \
            nobody.json()["issue"][0]["diagnostics"].replace(absent, "X")  # fmt: skip
    # Naming another Patient is refused alike whether it exists or not.
    for patient in ("bk-p0", "bk-nobody"):
        refused = intruder.post(f"{API}/holds", json={"slot": other, "patient": patient})
        assert refused.status_code == 403
    assert clients["p0"].get(f"{API}/appointments").json()["visits"][0]["status"] == "booked"


def test_the_call_centre_books_for_a_named_resident(world: World,
                                                    clients: dict[str, TestClient]
                                                    ) -> None:  # fmt: skip
    agent = clients["call-centre"]
    slot = _options(agent, world)[0]["slot"]
    unnamed = agent.post(f"{API}/appointments", json={"slot": slot})
    assert unnamed.status_code == 400 and "patient" in unnamed.text
    booked = agent.post(f"{API}/appointments", json={"slot": slot, "patient": "bk-p2"})
    assert booked.status_code == 201, booked.text
    channel = next(e for e in booked.json()["appointment"]["extension"]
               if e["url"].endswith("booking-channel"))["valueCoding"]["code"]  # fmt: skip
    assert channel == "call-centre"  # the door decides the channel, not the body
    assert agent.get(f"{API}/appointments", params={"patient": "bk-p2"}).json()["visits"]


def test_staff_of_another_facility_may_not_overbook(world: World,
                                                    clients: dict[str, TestClient]
                                                    ) -> None:  # fmt: skip
    slot = _options(clients["p0"], world)[0]["slot"]
    assert clients["p0"].post(f"{API}/appointments", json={"slot": slot}).status_code == 201
    refused = clients["other-clinic"].post(
        f"{API}/appointments",
        json={"slot": slot, "patient": "bk-p1", "overbookReason": "Bệnh nặng cần khám ngay"},
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("post", "/holds", b"{", 400),
    ("post", "/holds", b"[1, 2]", 400),
    ("post", "/holds", b'{"slot": "a/../b"}', 400),
    ("post", "/holds", b'{"slot": "x", "admin": true}', 400),
    ("post", "/appointments", b'{"slot": "x", "hold": "y"}', 400),
    ("post", "/appointments", b"{}", 400),
    ("post", "/appointments", b'{"slot": "' + b"9" * 5000 + b'"}', 413),
    ("post", "/appointments", b'{"slot": "absent-slot"}', 404),
    ("post", "/appointments/" + "x" * 65 + "/reschedule", b'{"slot": "x"}', 400),
    ("delete", "/appointments/%E2%80%AE", None, 400),
    ("get", "/options?from=31/12/2026", None, 400),
    ("get", "/options?from=2026-12-08&to=2027-12-08", None, 400),
    ("get", "/options?count=1000", None, 400),
    ("get", "/options?count=%D9%A3", None, 400),
])  # fmt: skip
def test_malformed_and_enormous_input_is_refused_never_a_500(
    world: World, clients: dict[str, TestClient], method: str, path: str, body: bytes | None,
    status: int,
) -> None:  # fmt: skip
    headers = {"Content-Type": "application/json"} if body is not None else {}
    answer = clients["p0"].request(method.upper(), f"{API}{path}", content=body, headers=headers)
    assert answer.status_code == status, answer.text
    assert answer.json()["resourceType"] == "OperationOutcome"


def test_no_token_is_a_401(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        assert anonymous.get(f"{API}/appointments").status_code == 401


def test_the_health_book_shows_the_upcoming_visits(world: World,
                                                   clients: dict[str, TestClient],
                                                   monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:  # fmt: skip
    # The books kept per process are keyed by the record's state, which the fresh SQLite
    # and PostgreSQL databases of one test run reach alike: a fresh cache per database.
    monkeypatch.setattr(health_book_routes, "_BUILT", BuiltBooks())
    me = clients["p0"]
    assert me.get("/api/health-book/bk-p0").json()["upcoming"]["count"] == 0  # built, kept
    first = _options(me, world)[0]["slot"]
    later = _options(me, world, later=1)[0]["slot"]
    kept = me.post(f"{API}/appointments", json={"slot": later}).json()["visit"]
    dropped = me.post(f"{API}/appointments", json={"slot": first}).json()["visit"]
    assert me.delete(f"{API}/appointments/{dropped['id']}").status_code == 200
    book = me.get("/api/health-book/bk-p0")
    assert book.status_code == 200, book.text
    upcoming = book.json()["upcoming"]
    assert upcoming["title"] == "Lịch hẹn sắp tới" and upcoming["count"] == 1
    shown = upcoming["items"][0]
    assert (shown["id"], shown["queue"]) == (kept["id"], "001")  # the cancelled one is gone
    assert shown["facility"] == f"Bệnh viện thử {FAC}" and shown["room"] == "Phòng khám 1"
    assert clients["p1"].get("/api/health-book/bk-p0").status_code == 404
