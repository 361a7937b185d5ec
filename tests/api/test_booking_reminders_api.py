"""`/api/booking/waitlist` and `/api/booking/messages` over HTTP (both databases): a
resident joins, lists and leaves the waitlist for themselves only, the call centre for
anyone; a resident reads their messages, a one-time code's body never shown again."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access.booking import BookingAccess
from hoso.booking.outbox import deliver_now
from hoso.booking.sender import Message
from hoso.booking.service import BookRequest
from hoso.core import clock
from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.booking.dispatching import KeptSender, dispatching, slot_on
from tests.booking.world import booking_as, build_world
from tests.callers import as_caller

BASE = "/api/booking"


def _client(app: FastAPI, role: str, **claims: str) -> TestClient:
    headers = bearer(app, role=role, scopes=("user/*.cruds",), **claims)
    return TestClient(app, raise_server_exceptions=False, headers=headers)


def test_the_waitlist_over_http(app: FastAPI, store: SqlStore) -> None:
    world = build_world(store, capacity=1, residents=2, days=1)
    day = world.first.isoformat()
    ask = {"serviceType": "kham-noi", "from": day, "to": day}
    with _client(app, "resident", patient="bk-p0") as me, _client(app, "call-centre") as centre:
        joined = me.post(f"{BASE}/waitlist", json={**ask, "patient": "bk-p0"})
        assert joined.status_code == 201, joined.text
        assert joined.json()["state"] == "waiting" and joined.json()["facility"] is None
        assert me.post(f"{BASE}/waitlist", json={**ask, "patient": "bk-p1"}).status_code == 403
        bad = me.post(f"{BASE}/waitlist", json={**ask, "patient": "bk-p0", "from": "08/12/2026"})
        assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
        assert me.get(f"{BASE}/waitlist").status_code == 403  # everyone's: not a resident's
        theirs = centre.post(f"{BASE}/waitlist", json={**ask, "patient": "bk-p1",
                                                       "facility": "79001"})  # fmt: skip
        assert theirs.status_code == 201, theirs.text
        everyone = centre.get(f"{BASE}/waitlist").json()["entries"]
        assert [e["patient"] for e in everyone] == ["bk-p0", "bk-p1"]
        mine = me.get(f"{BASE}/waitlist", params={"patient": "bk-p0"}).json()["entries"]
        assert [e["id"] for e in mine] == [joined.json()["id"]]
        gone = me.delete(f"{BASE}/waitlist/{mine[0]['id']}", params={"patient": "bk-p0"})
        assert gone.status_code == 204
        again = me.delete(f"{BASE}/waitlist/{mine[0]['id']}", params={"patient": "bk-p0"})
        assert again.status_code == 404
        left = centre.get(f"{BASE}/waitlist", params={"state": "waiting"}).json()["entries"]
        # Input beyond the columns is refused, never a database error (PostgreSQL).
        wide = centre.post(f"{BASE}/waitlist", json={**ask, "patient": "bk-p1",
                                                     "facility": "7" * 40})  # fmt: skip
        huge = centre.delete(f"{BASE}/waitlist/{2**70}", params={"patient": "bk-p1"})
        long_id = centre.get(f"{BASE}/waitlist", params={"patient": "p" * 65})
    assert (wide.status_code, huge.status_code, long_id.status_code) == (400, 404, 400)
    assert [e["patient"] for e in left] == ["bk-p1"]


def test_a_resident_reads_their_messages_with_codes_hidden(app: FastAPI, store: SqlStore) -> None:
    world = build_world(store, capacity=1, residents=2, days=1)
    slot, _ = slot_on(store, world.first, 7)
    with booking_as(store) as service:
        booked = service.book(BookRequest("bk-p0", slot_id=slot))
    with dispatching(store, clock.now_us, KeptSender()) as jobs:
        jobs.run_once()
    with as_caller(store) as repo:
        door = BookingAccess(repo)
        with door.transaction("otp", "booking:otp") as tx:
            deliver_now(tx, KeptSender(), Message("otp", "0900000000", "Mã: 482913", "bk-p0",
                                                  None, clock.now_us(), "otp:t1"),
                        clock.now_us())  # fmt: skip
    with _client(app, "resident", patient="bk-p0") as me:
        found = me.get(f"{BASE}/messages", params={"patient": "bk-p0"})
        other = me.get(f"{BASE}/messages", params={"patient": "bk-p1"})
        missing = me.get(f"{BASE}/messages")
    assert found.status_code == 200, found.text
    kinds = {m["kind"]: m for m in found.json()["messages"]}
    assert kinds["reminder"]["appointment"] == booked["id"]
    assert kinds["reminder"]["status"] == "pending" and kinds["otp"]["body"] == "••••••"
    assert kinds["reminder"]["body"].startswith("Hồ Sơ nhắc lịch hẹn")
    assert "482913" not in found.text and kinds["otp"]["status"] == "sent"
    assert (other.status_code, missing.status_code) == (403, 400)
