"""The call-centre screen over the real app: an agent finds the caller by CCCD or phone,
books, reschedules and cancels for them in a few posts (channel call-centre, audited
naming the resident); a resident or a clinician gets the 403 page."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.booking.portal_world import cccd_of, phone_of, with_cccd
from tests.booking.world import FAC, build_world
from tests.callers import audit_subtypes

CENTRE = "/booking/call-centre"


def _client(app: FastAPI, role: str, **claims: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False,
                      headers=bearer(app, role=role, scopes=("user/*.rs",), **claims))  # fmt: skip


@pytest.fixture
def agent(app: FastAPI, store: SqlStore) -> TestClient:
    build_world(store, capacity=2, residents=2, days=2)
    with_cccd(store, 0)
    return _client(app, "call-centre")


def _form(html: str, action: str, visit: str | None = None) -> dict[str, str]:
    """The hidden fields of the first form doing `action` (on `visit`)."""
    for form in re.findall(r"<form method=\"post\".*?</form>", html, re.S):
        fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))
        if fields.get("action") == action and (visit is None or fields.get("visit") == visit):
            return fields
    raise AssertionError(f"no {action} form")


def test_find_book_reschedule_cancel_for_a_caller(agent: TestClient, store: SqlStore) -> None:
    found = agent.get(CENTRE, params={"q": cccd_of(0)}, follow_redirects=False)
    assert found.status_code == 303
    panel_url = found.headers["location"]
    assert panel_url == f"{CENTRE}/patients/bk-p0"
    by_phone = agent.get(CENTRE, params={"q": "+84 " + phone_of(0)[1:]}, follow_redirects=False)
    assert by_phone.headers["location"] == panel_url
    panel = agent.get(panel_url)
    assert "Nguyễn Văn Thử0" in panel.text and 'accesskey="1"' in panel.text
    booked = agent.post(panel_url, data=_form(panel.text, "book"))
    assert booked.status_code == 200 and 'id="done"' in booked.text
    assert re.search(r'class="qn">001<', booked.text)
    visit = re.search(r"moving=([0-9a-f-]{36})", booked.text).group(1)  # type: ignore[union-attr]
    moving = agent.get(panel_url, params={"service": "kham-noi", "moving": visit})
    second_day = _form(moving.text.split("<h3>")[2], "reschedule")  # the second day's first
    moved = agent.post(panel_url, data=second_day)
    assert "Đã đổi giờ khám" in moved.text
    new = re.search(r"moving=([0-9a-f-]{36})", moved.text).group(1)  # type: ignore[union-attr]
    assert new != visit
    gone = agent.post(panel_url, data={**_form(moved.text, "cancel", new), "reason": "Gọi hủy"})
    assert "Đã hủy lịch hẹn" in gone.text and 'id="no-visits"' in gone.text
    assert audit_subtypes(store).count("booking") >= 3
    with store.engine.connect() as conn:
        import sqlalchemy as sa

        rows = conn.execute(sa.text(
            "SELECT content FROM resource WHERE resource_type = 'Appointment'"))  # fmt: skip
        channels = {r[0] for r in rows if r[0]}
    assert channels and all("call-centre" in str(c) for c in channels)


def test_nobody_found_and_a_bad_query(agent: TestClient) -> None:
    none = agent.get(CENTRE, params={"q": cccd_of(55)})
    assert none.status_code == 200 and 'id="no-caller"' in none.text
    assert agent.get(CENTRE, params={"q": "Nguyễn"}).status_code == 400


@pytest.mark.parametrize("role", ["resident", "clinician"])
def test_others_may_not_use_the_screen(app: FastAPI, store: SqlStore, role: str) -> None:
    build_world(store, residents=1, days=1)
    claims = {"patient": "bk-p0"} if role == "resident" else {"facility": FAC}
    with _client(app, role, **claims) as other:
        assert other.get(CENTRE).status_code == 403
        assert other.get(f"{CENTRE}/patients/bk-p0").status_code == 403
