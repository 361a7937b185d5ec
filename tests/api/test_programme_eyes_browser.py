"""The class entry screen for school eye screening in headless Chromium (Debian's,
through Playwright) at phone and desktop width: 40 children, one row each; typing
6/9, 20/40, 5/10, 0.5 or logMAR shows pass/fail at once; Enter moves on like Tab; a row
is saved when the cursor leaves it; a row the server refuses keeps what was typed and
says why; the whole class saves at once. Vietnamese first, nothing off-screen, axe-core's
WCAG 2.1 AA rules; screenshots in var/screenshots (or $HOSO_SCREENSHOTS).

The browser's requests are answered in process by the app (`page.route` → TestClient);
the reads and writes behind the page are tested on both databases in
test_programme_eyes_api.py, so this runs once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Route, expect

from hoso.core import clock
from hoso.store.programme_eyes import SqlEyeRegistry
from hoso.store.programme_eyes_schema import prog_eye_screen
from hoso.store.sql_store import SqlStore
from tests.api.test_programme_eyes_api import FHIR_JSON, Eyes, child
from tests.api.test_publichealth_tracing_browser import ORIGIN, SHOTS, WIDTHS, _check
from tests.programmes.world import STATION

pytestmark = [pytest.mark.browser, pytest.mark.backend_independent]
SAVED = re.compile(r"^Đã lưu \d+/\d+$")


def _served_by(client: TestClient) -> Callable[[Route], None]:
    """As the tracing pages' test, with the page script's CSRF header passed on, and
    its fetch's Origin (the page's, ORIGIN) as the in-process server's own origin: the
    page and the API are one origin in production, here two names for one app."""

    def handle(route: Route) -> None:
        request = route.request
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("content-type", "origin", "x-csrf-token")}  # fmt: skip
        if headers.get("origin") == ORIGIN:
            headers["origin"] = "http://testserver"
        answer = client.request(request.method, request.url.removeprefix(ORIGIN),
                                content=request.post_data_buffer, headers=headers,
                                follow_redirects=False)  # fmt: skip
        route.fulfill(status=answer.status_code, headers=dict(answer.headers), body=answer.content)

    return handle


@pytest.fixture
def eyes(app: FastAPI, store: SqlStore, client: TestClient) -> Iterator[Eyes]:
    world = Eyes(app, store, client)
    more = []
    for n in range(5, 41):  # a class of 40
        made = client.post("/fhir/Patient", json=child(n), headers=FHIR_JSON)
        more.append(made.json()["id"])
    SqlEyeRegistry(store.engine).add_to_roster(world.klass, more, clock.now_us())
    world.children += more
    yield world
    for c in world.clients:
        c.close()


def _screened(store: SqlStore) -> dict[str, str | None]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(prog_eye_screen.c.patient_id, prog_eye_screen.c.outcome))
        return {r.patient_id: r.outcome for r in rows}


def test_fast_entry_of_a_class_at_both_widths(browser: Browser, eyes: Eyes, store: SqlStore
                                              ) -> None:  # fmt: skip
    nurse = eyes.as_("clinician", "account:tyt-a", facility=STATION)
    day = clock.now().astimezone(clock.VN_TZ).date()
    rid = nurse.post(f"/api/programmes/eyes/schools/{eyes.school}/rounds",
                     json={"day": day.isoformat()}).json()["id"]  # fmt: skip
    url = f"{ORIGIN}/programmes/eyes/rounds/{rid}/classes/{eyes.klass}"
    for width, height in WIDTHS:
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _served_by(nurse))
        page.goto(url)
        rows = page.locator("table.eyes-sheet tbody tr")
        assert rows.count() == 40
        _check(page, "eyes-round-empty")
        if width == 390:
            # Row 1: typed with Enter between boxes; pass at 6/9, shown before saving.
            first = rows.nth(0)
            first.locator("input[name=ucva-right]").click()
            page.keyboard.type("10/10")
            page.keyboard.press("Enter")
            page.keyboard.type("6/9")
            assert first.locator(".outcome").inner_text() == "Đạt"
            # Row 2: 20/40 fails at once; leaving the row saves it (and refers the child).
            second = rows.nth(1)
            second.locator("input[name=ucva-right]").fill("20/40")
            second.locator("input[name=ucva-left]").fill("0.8")
            assert second.locator(".outcome").inner_text() == "Không đạt"
            rows.nth(2).locator("input[name=ucva-right]").click()
            expect(page.locator("#eyes-status")).to_have_text(SAVED)
            assert "đã chuyển khám" in second.locator(".outcome").inner_text()
            # Row 3: absent; row 4 unreadable: flagged, kept as typed, the rest saved.
            rows.nth(2).locator("select").select_option("absent")
            fourth = rows.nth(3)
            fourth.locator("input[name=ucva-right]").fill("6/x")
            fourth.locator("input[name=ucva-left]").fill("6/6")
            assert fourth.locator(".outcome").inner_text() == "Thị lực không đọc được"
            rows.nth(4).locator("input[name=ucva-right]").fill("logMAR 0.1")
            rows.nth(4).locator("input[name=ucva-left]").fill("5/10")
            page.get_by_role("button", name="Lưu cả lớp").click()
            expect(page.locator("#eyes-status")).to_have_text(SAVED)
            assert fourth.locator("input[name=ucva-right]").input_value() == "6/x"
            page.screenshot(path=str(SHOTS / f"eyes-round-typed-{width}.png"), full_page=True)
            saved = _screened(store)
            a, b, c, _d, e = (rows.nth(i).get_attribute("data-patient") for i in range(5))
            assert saved == {a: "pass", b: "fail", c: None, e: "fail"}  # _d not saved
        else:
            # The saved rows come back with the page: results shown, in logMAR.
            assert rows.nth(1).locator("input[name=ucva-right]").input_value() == "0.30L"
            assert rows.nth(1).locator(".outcome").inner_text() == "Không đạt"
            assert rows.nth(2).locator("select").input_value() == "absent"
            _check(page, "eyes-round-saved")
        # The station's home: the round's progress and the referral, glasses dispensed.
        page.goto(f"{ORIGIN}/programmes/eyes")
        _check(page, f"eyes-home-{'before' if width == 390 else 'after'}")
        progress = page.locator("table.cards").first.locator("tbody tr").first
        assert "6A1" in progress.inner_text()
        ages = page.locator("table.cards").nth(1).locator("tbody tr")  # screened by age
        assert sum(int(ages.nth(i).locator("td").first.inner_text())
                   for i in range(ages.count())) == 3  # fmt: skip
        if width == 390:
            assert page.locator("text=Đã cấp kính").count() == 2  # rows b and e
            page.locator("button", has_text="Đã cấp kính").first.click()
            assert "Đã ghi nhận cấp kính" in page.locator("p.notice").inner_text()
            assert page.locator("button", has_text="Đã cấp kính").count() == 1
        # A referred child's vision year on year, from the referral list.
        page.locator("table.cards").last.locator("tbody tr th a").first.click()
        assert "Thị lực qua các năm" in page.locator("h1").inner_text()
        assert "Không đạt" in page.locator("table.cards tbody tr").first.inner_text()
        _check(page, "eyes-child")
        context.close()
