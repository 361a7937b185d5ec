"""People's sessions on the pages (issue 15): the login form ends in a server-side
session cookie; timeouts, rotation, logout and revocation end it everywhere; every form
that changes something needs the session's CSRF token and our own origin; a page
without a session sends the browser to the login and back. Both backends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access import claims as roles
from hoso.api.app import create_app
from hoso.core import jsonx
from hoso.store import schema
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON
from tests.builders.auth import Clock
from tests.builders.web_login import form_field, log_in_to_pages

PASSWORD = "mat-khau-rat-dai-2026"
HTML = {"Accept": "text/html,application/xhtml+xml"}
COOKIE = "hoso_session"  # a loopback server over HTTP: no __Host- prefix, no Secure


@pytest.fixture
def people(app: FastAPI, client: TestClient) -> dict[str, Any]:
    """A steward (with TOTP) and a resident whose Patient exists."""
    patient = client.post("/fhir/Patient", headers=FHIR_JSON, json={
        "resourceType": "Patient", "name": [{"family": "Trần", "given": ["Thị", "Hoa"]}],
        "birthDate": "1991-03-07", "gender": "female",
        "identifier": [{"system": app.state.settings.cccd_system, "value": "079191000777"}],
    })  # fmt: skip
    assert patient.status_code == 201, patient.text
    accounts = app.state.auth.accounts
    _, uri = accounts.create("tv.lan", PASSWORD, roles.STEWARD)
    resident, _ = accounts.create("079191000777", PASSWORD, roles.RESIDENT,
                                  patient_id=patient.json()["id"])  # fmt: skip
    return {"totp": pyotp.TOTP(pyotp.parse_uri(uri).secret), "resident": resident,
            "patient": patient.json()["id"]}  # fmt: skip


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def steward_login(browser: TestClient, people: dict[str, Any], next_path: str = "/") -> Any:
    return log_in_to_pages(browser, "tv.lan", PASSWORD, people["totp"].now(), next_path=next_path)


def test_a_page_without_a_session_sends_the_browser_to_the_login_and_back(
    browser: TestClient, people: dict[str, Any]
) -> None:
    page = browser.get("/api/mpi/review.html?limit=5", headers=HTML)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fapi%2Fmpi%2Freview.html%3Flimit%3D5"
    back = steward_login(browser, people, next_path="/api/mpi/review.html?limit=5")
    assert back.status_code == 303 and back.headers["location"] == "/api/mpi/review.html?limit=5"
    opened = browser.get(back.headers["location"], headers=HTML)
    assert opened.status_code == 200 and "Hồ sơ nghi trùng" in opened.text
    assert 'id="who">tv.lan' in opened.text


def test_the_session_cookie_is_httponly_lax_and_holds_no_claims(
    browser: TestClient, people: dict[str, Any], app: FastAPI, store: SqlStore
) -> None:
    done = steward_login(browser, people)
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith(COOKIE))
    value = cookie.split(";")[0].split("=", 1)[1]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # http://127.0.0.1: a browser would drop a Secure one
    assert len(value) >= 40 and "." not in value  # random, not a JWT
    # The redeemed tokens never reach the browser and stay unusable.
    assert "access_token" not in done.text


def test_outside_localhost_the_cookie_is_secure_and_host_bound(
    store: SqlStore, people: dict[str, Any], app: FastAPI
) -> None:
    settings = replace(store.settings, public_base_url="https://hoso.example.vn")
    secure_app = create_app(store, settings)
    with TestClient(secure_app, base_url="https://hoso.example.vn",
                    follow_redirects=False) as http:  # fmt: skip
        done = steward_login(http, people)
    cookie = next(c for c in done.headers.get_list("set-cookie") if "hoso_session=" in c)
    assert cookie.startswith("__Host-hoso_session=") and "Secure" in cookie


def test_logout_ends_the_session_for_a_stolen_cookie_too(
    browser: TestClient, people: dict[str, Any], app: FastAPI
) -> None:
    steward_login(browser, people)
    stolen = browser.cookies[COOKIE]
    home = browser.get("/", headers=HTML)
    out = browser.post("/logout", data={"csrf": _logout_token(home.text)},
                       headers={"Origin": "http://testserver"})  # fmt: skip
    assert out.status_code == 303 and out.headers["location"] == "/"
    with TestClient(app, follow_redirects=False) as thief:
        thief.cookies.set(COOKIE, stolen)
        again = thief.get("/api/mpi/review.html", headers=HTML)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def _audit_events(store: SqlStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_event).order_by(schema.audit_event.c.seq))
        return [jsonx.loads(row.content) for row in rows]


def test_login_pages_and_logout_are_audited_as_the_person_without_the_cookie(
    browser: TestClient, people: dict[str, Any], store: SqlStore, app: FastAPI
) -> None:
    steward_login(browser, people)
    stolen = browser.cookies[COOKIE]
    assert browser.get("/api/mpi/review.html", headers=HTML).status_code == 200
    home = browser.get("/", headers=HTML)
    assert browser.post("/logout", data={"csrf": _logout_token(home.text)}).status_code == 303
    events = _audit_events(store)
    steward = app.state.auth.store.account_by_username("tv.lan")
    mine = [e for e in events
            if e["agent"][0]["who"]["identifier"]["value"] == f"account:{steward.id}"]  # fmt: skip
    codes = [e["subtype"][0]["code"] for e in mine]
    assert "login" in codes and "session" in codes and "logout" in codes
    assert len(codes) > 3  # and the queue read behind the page, as the steward
    assert stolen not in str(events)


def _logout_token(html: str) -> str:
    marker = html.index('action="/logout"')
    return form_field(html[marker:], "csrf")


def test_forms_need_the_session_token_and_our_origin(
    browser: TestClient, people: dict[str, Any]
) -> None:
    steward_login(browser, people)
    home = browser.get("/", headers=HTML)
    token = _logout_token(home.text)
    assert browser.post("/logout", data={"x": "1"}).status_code == 403  # no token
    assert browser.post("/logout", data={"csrf": token + "x"}).status_code == 403
    evil = browser.post("/logout", data={"csrf": token},
                        headers={"Origin": "https://evil.example"})  # fmt: skip
    assert evil.status_code == 403
    cross = browser.post("/logout", data={"csrf": token},
                         headers={"Sec-Fetch-Site": "cross-site"})  # fmt: skip
    assert cross.status_code == 403
    # None of those ended the session; the real form does.
    assert browser.get("/", headers=HTML).status_code == 200
    ok = browser.post("/logout", data={"csrf": token},
                      headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})  # fmt: skip
    assert ok.status_code == 303


def test_a_token_from_one_session_does_not_work_in_another(
    app: FastAPI, people: dict[str, Any]
) -> None:
    with TestClient(app, follow_redirects=False) as first, \
            TestClient(app, follow_redirects=False) as second:  # fmt: skip
        steward_login(first, people)
        resident_login(second)
        token = _logout_token(first.get("/", headers=HTML).text)
        refused = second.post("/logout", data={"csrf": token})
    assert refused.status_code == 403


def resident_login(browser: TestClient) -> Any:
    return log_in_to_pages(browser, "079191000777", PASSWORD)


def logged_in(browser: TestClient) -> bool:
    """The home page shows the person (a session) or the way in (none)."""
    return 'id="who"' in browser.get("/", headers=HTML).text


def test_idle_and_absolute_timeouts_end_the_session(
    browser: TestClient, people: dict[str, Any], app: FastAPI
) -> None:
    clock = Clock()
    app.state.web_sessions.clock = clock
    resident_login(browser)
    clock.advance(29 * 60)
    assert logged_in(browser)  # used: the idle time starts again
    clock.advance(29 * 60)
    assert logged_in(browser)
    clock.advance(31 * 60)  # idle for longer than 30 minutes
    assert not logged_in(browser)
    resident_login(browser)
    started = clock.now
    while logged_in(browser):  # busy all day, every 20 minutes
        clock.advance(20 * 60)
        assert clock.now - started <= 12 * 3600 + 20 * 60, "outlived its absolute lifetime"
    assert clock.now - started >= 12 * 3600  # and not ended before it


def test_the_cookie_value_rotates_and_the_old_one_stops_working(
    browser: TestClient, people: dict[str, Any], app: FastAPI
) -> None:
    clock = Clock()
    app.state.web_sessions.clock = clock
    steward_login(browser, people)
    first = browser.cookies[COOKIE]
    clock.advance(11 * 60)  # past the 10-minute rotation
    page = browser.get("/", headers=HTML)
    rotated = [c for c in page.headers.get_list("set-cookie") if c.startswith(COOKIE)]
    assert len(rotated) == 1 and "HttpOnly" in rotated[0]
    second = browser.cookies[COOKIE]
    assert second != first
    with TestClient(app, follow_redirects=False) as late:
        late.cookies.set(COOKIE, first)
        assert late.get("/", headers=HTML).status_code == 200  # in flight: still fine
        clock.advance(60)
        late.cookies.set(COOKIE, first)
        answer = late.get("/api/mpi/review.html", headers=HTML)
        assert answer.status_code == 303  # the rotated-away value is dead
    assert browser.get("/api/mpi/review.html", headers=HTML).status_code == 200


def test_a_cookie_brought_before_login_is_never_adopted(
    browser: TestClient, people: dict[str, Any], app: FastAPI
) -> None:
    planted = "chosen-by-an-attacker-" + "x" * 30
    browser.cookies.set(COOKIE, planted)
    done = resident_login(browser)
    issued = [c for c in done.headers.get_list("set-cookie") if c.startswith(COOKIE)]
    assert len(issued) == 1 and planted not in issued[0]
    with TestClient(app, follow_redirects=False) as attacker:
        attacker.cookies.set(COOKIE, planted)
        assert not logged_in(attacker)


def test_revoking_an_account_ends_its_sessions(
    browser: TestClient, people: dict[str, Any], app: FastAPI
) -> None:
    steward_login(browser, people)
    steward = app.state.auth.store.account_by_username("tv.lan")
    assert app.state.web_sessions.end_account(steward.id) == 1
    assert browser.get("/api/mpi/review.html", headers=HTML).status_code == 303


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/",
                                    "/\\evil.example", "/%0d%0aSet-Cookie:x"])  # fmt: skip
def test_next_never_leaves_this_server(
    browser: TestClient, people: dict[str, Any], target: str
) -> None:
    done = steward_login(browser, people, next_path=target)
    location = done.headers["location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "evil" not in location or location.startswith("/%")


def test_a_forged_or_replayed_callback_opens_no_session(
    browser: TestClient, people: dict[str, Any]
) -> None:
    no_cookie = browser.get("/login/callback?code=abc&state=xyz", headers=HTML)
    assert no_cookie.status_code == 403 and "đăng nhập lại" in no_cookie.text
    start = browser.get("/login")
    assert start.status_code == 303
    wrong_state = browser.get("/login/callback?code=abc&state=xyz", headers=HTML)
    assert wrong_state.status_code == 403
    assert COOKIE not in browser.cookies


def test_the_language_choice_stays_with_the_session(
    browser: TestClient, people: dict[str, Any]
) -> None:
    steward_login(browser, people)
    home = browser.get("/", headers=HTML)
    assert '<html lang="vi">' in home.text and home.text.index("Xin chào") < home.text.index(
        "Welcome")
    marker = home.text.index('action="/lang"')
    token = form_field(home.text[marker:], "csrf")
    switched = browser.post("/lang", data={"csrf": token, "lang": "en", "next": "/"})
    assert switched.status_code == 303
    browser.cookies.delete("hoso_lang")  # the session holds it, not only the cookie
    english = browser.get("/api/mpi/review.html", headers=HTML)
    assert '<html lang="en">' in english.text
    main = english.text[english.text.index("<main"):]
    assert main.index("Possible duplicate records") < main.index("Hồ sơ nghi trùng")
    bad = browser.post("/lang", data={"csrf": token, "lang": "fr"})
    assert bad.status_code == 400


def test_a_resident_session_gets_the_residents_home_and_policy(
    browser: TestClient, people: dict[str, Any]
) -> None:
    log_in_to_pages(browser, "079191000777", PASSWORD)
    home = browser.get("/", headers=HTML)
    assert home.status_code == 200
    assert "Trần Thị Hoa" in home.text and "07/03/1991" in home.text
    assert "079•••••777" in home.text and "079191000777" not in home.text
    assert "/api/mpi/review.html" not in home.text
    refused = browser.get("/api/mpi/review.html", headers=HTML)
    assert refused.status_code == 403 and "Không được phép" in refused.text
    assert browser.get("/status", headers=HTML).status_code == 403
