"""Every page, as the people who use it, in headless Chromium against a real server
(issue 15): each role logs in through the form, then every page it may open is seen at
390×844 (a phone) and 1280×900: no horizontal scrolling, Vietnamese first, controls at
least 44 px high, a way back from an error. Screenshots go to var/screenshots (or
$HOSO_SCREENSHOTS) for a person to look at. Then logout, a stolen cookie, and a form
posted from another site."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from hoso.access import claims as roles
from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.auth_services import build_auth
from hoso.assembly import open_store
from hoso.core.settings import Settings
from hoso.store.auth_store import SqlAuthStore
from hoso.store.sql_store import SqlAuditLog
from tests.api.test_live import AUTH, server, server_process  # noqa: F401 (fixtures)
from tests.callers import as_caller
from tests.identity.mpi.test_review_queue import look_alikes
from tests.ingest.quality import world

# What a browser sees is the pages' code, the same on either database (the pages' store
# reads are tested on both in test_pages.py and the pages' own tests): once, on SQLite.
pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.backend_independent]
VIETNAMESE = re.compile("[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]")
PASSWORD = "mat-khau-rat-dai-2026"
RESIDENT_CCCD = "079090007777"
WIDTHS = ((390, 844), (1280, 900))
SHOTS = Path(os.environ.get("HOSO_SCREENSHOTS", "var/screenshots"))
# Pages each role may open (the review pair's path is filled in once the pair exists).
PAGES = {
    "resident": ["/"],
    "clinician": ["/"],
    "officer": ["/"],
    "steward": ["/", "/api/mpi/review.html", "PAIR", "/api/quality/scorecard.html"],
    "admin": ["/", "/status"],
}
# A radio button's or a checkbox's target is its whole label (label.choice, measured).
CONTROLS = ("button, a.button, a.action, header.top a, select, label.choice, "
            "input:not([type=hidden]):not([type=radio]):not([type=checkbox])")  # fmt: skip


@pytest.fixture
def city(server: str, database_url: str) -> dict[str, Any]:  # noqa: F811
    """A small city with a quality run, one pair for review, and an account per role."""
    origin = server.removesuffix("/fhir")
    ids = []
    first, second = look_alikes()
    first["identifier"][0]["value"] = RESIDENT_CCCD  # the small city has their usual one
    for resource in (first, second):
        made = httpx.post(f"{server}/Patient", json=resource,
                          headers={"Content-Type": "application/fhir+json", **AUTH})  # fmt: skip
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    settings = Settings(database_url=database_url, public_base_url=origin)
    store = open_store(database_url, settings)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        with as_caller(store) as repo:
            world.build(repo)
            world.run_batch(repo)
        accounts = build_auth(SqlAuthStore(store.engine), settings, trail).accounts
        totp = {}
        accounts.create(RESIDENT_CCCD, PASSWORD, roles.RESIDENT, patient_id=ids[0])
        for name, role, extra in (
            ("bs.an", roles.CLINICIAN, {"facility": world.FACILITY}),
            ("cb.binh", roles.OFFICER, {}),
            ("tv.chi", roles.STEWARD, {}),
            ("qt.dung", roles.ADMIN, {}),
        ):
            _, uri = accounts.create(name, PASSWORD, role, **extra)
            totp[name] = pyotp.TOTP(pyotp.parse_uri(uri).secret)
    finally:
        trail.close()
        store.engine.dispose()
    logins = {"resident": (RESIDENT_CCCD, None), "clinician": ("bs.an", totp["bs.an"]),
              "officer": ("cb.binh", totp["cb.binh"]), "steward": ("tv.chi", totp["tv.chi"]),
              "admin": ("qt.dung", totp["qt.dung"])}  # fmt: skip
    return {"origin": origin, "logins": logins}


def _log_in(browser: Browser, city: dict[str, Any], role: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{city['origin']}/")
    page.locator("#login").click()
    page.wait_for_url("**/auth/authorize?**")
    for width, height in WIDTHS:  # the login form fits a phone too
        page.set_viewport_size({"width": width, "height": height})
        _check_fit(page, f"{role}-login")
    username, totp = city["logins"][role]
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    if totp is not None:
        page.fill("#totp", totp.now())
    page.get_by_role("button", name=re.compile("Đăng nhập")).click()
    page.wait_for_url(f"{city['origin']}/")
    assert page.locator("#who").count() == 1, page.content()
    page.problems = problems  # type: ignore[attr-defined]
    return context, page


def _check_fit(page: Page, label: str) -> None:
    """What a person at this width sees: nothing off-screen, Vietnamese first, controls
    big enough to touch; and a screenshot of it."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{label}: page is {overflow} px wide at {width} px"
    assert page.locator("html").get_attribute("lang") == "vi"
    heading = page.locator("h1").first.inner_text()
    first, _, second = heading.partition(" / ")
    assert second, f"{label}: the heading is not in both languages: {heading}"
    assert VIETNAMESE.search(first.lower()), f"{label}: Vietnamese does not come first: {heading}"
    small = page.evaluate(f"""() => [...document.querySelectorAll("{CONTROLS}")]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height])
        .filter(([_, h]) => h < 44)""")
    assert small == [], f"{label}: controls under 44 px: {small}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{label}-{width}.png"), full_page=True)


def _pair_path(page: Page, origin: str) -> str:
    page.goto(f"{origin}/api/mpi/review.html")
    href = page.locator("#queue a.action").first.get_attribute("href")
    assert href
    return f"/api/mpi/{href}"


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_fits_a_phone_and_a_desktop(browser: Browser, city: dict[str, Any],
                                               role: str) -> None:  # fmt: skip
    context, page = _log_in(browser, city, role)
    try:
        paths = [(_pair_path(page, city["origin"]) if p == "PAIR" else p) for p in PAGES[role]]
        paths.append("/khong-co-trang-nay")  # and an error page
        for path in paths:
            for width, height in WIDTHS:
                page.set_viewport_size({"width": width, "height": height})
                answer = page.goto(f"{city['origin']}{path}")
                assert answer is not None
                expected = 404 if path.startswith("/khong") else 200
                assert answer.status == expected, (path, answer.status)
                name = path.strip("/").replace("/", "_").replace(".html", "") or "home"
                _check_fit(page, f"{role}-{name}")
                if expected == 404:
                    assert page.locator("#home").get_attribute("href") == "/"
                if role == "clinician" and path == "/":  # the facility by its name
                    facility = page.locator("#facility").inner_text()
                    assert facility == "79001 — Trạm y tế phường Bến Thành"
        # CSP refusals, script errors, missing files (but the error page's own 404).
        seen: list[str] = page.problems  # type: ignore[attr-defined]
        problems = [p for p in seen if "404 (Not Found)" not in p]
        assert problems == [], problems
    finally:
        context.close()


def test_logout_in_the_browser_and_the_cookie_is_dead(browser: Browser,
                                                      city: dict[str, Any]) -> None:  # fmt: skip
    context, page = _log_in(browser, city, "resident")
    cookie = next(c for c in context.cookies() if c["name"] == "hoso_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.locator("#logout").click()
    page.wait_for_url(f"{city['origin']}/")
    assert page.locator("#who").count() == 0
    context.close()
    thief = browser.new_context()
    thief.add_cookies([{**cookie, "expires": -1}])
    stolen = thief.new_page()
    stolen.goto(f"{city['origin']}/")
    assert stolen.locator("#who").count() == 0  # the landing page, not the resident's home
    thief.close()


def test_a_form_posted_from_another_site_is_refused(browser: Browser,
                                                    city: dict[str, Any]) -> None:  # fmt: skip
    context, page = _log_in(browser, city, "resident")
    evil = context.new_page()
    evil.set_content(f"""<form id="f" method="post" action="{city['origin']}/logout">
        <input name="csrf" value="guessed"></form>""")
    with evil.expect_navigation():
        evil.evaluate("document.getElementById('f').submit()")
    assert "/logout" not in evil.url or "Đăng xuất" not in evil.content()
    page.goto(f"{city['origin']}/")
    assert page.locator("#who").count() == 1  # still logged in: the post changed nothing
    context.close()
