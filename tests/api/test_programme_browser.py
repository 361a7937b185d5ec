"""The ward station's programme pages in headless Chromium (Debian's, through
Playwright) at phone and desktop width (issue 19 point 8): the overview, the due list, a
resident's view with a visit recorded from the form (a wrong value refused with the
typed values kept, then saved); nothing off-screen, Vietnamese first, controls big
enough to touch, axe-core's WCAG 2.1 AA rules; screenshots in var/screenshots.

Answered in process by the app (`page.route` → TestClient), once: the reads behind the
pages are tested on both databases in test_programme_routes.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from hoso.store.sql_store import SqlStore
from tests.api.test_programme_routes import World
from tests.api.test_programme_routes import world as _world_fixture
from tests.api.test_publichealth_tracing_browser import ORIGIN, WIDTHS, _check, _served_by
from tests.programmes.world import STATION

pytestmark = [pytest.mark.browser, pytest.mark.backend_independent]
world = _world_fixture


def test_the_station_pages_at_both_widths(browser: Browser, world: World, store: SqlStore
                                          ) -> None:  # fmt: skip
    nurse = world.as_("clinician", subject="account:tyt-a", facility=STATION)
    mine = world.ids["mine"]
    for width, height in WIDTHS:
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _served_by(nurse))
        page.goto(f"{ORIGIN}/programmes/")
        assert page.locator("#programmes tbody tr").count() == 1
        _check(page, "programmes-home")
        page.goto(f"{ORIGIN}/programmes/toy-bp/due")
        assert page.locator("#due tbody tr").count() == 1
        _check(page, "programmes-due")
        page.locator("#due a.action").first.click()
        assert page.url.endswith(f"/programmes/patients/{mine}")
        _check(page, "programmes-patient")
        page.fill("#f1-sbp", "900")
        page.fill("#f1-note", "đo lại sau 5 phút")
        page.locator("#form-1 button").click()
        assert "ngoài khoảng" in page.locator("#error").inner_text()
        assert page.input_value("#f1-note") == "đo lại sau 5 phút"  # what was typed stays
        page.fill("#f1-sbp", "135")
        page.locator("#form-1 button").click()
        page.wait_for_url("**?saved=visits")
        assert "Đã lưu lượt khám" in page.locator("#saved").inner_text()
        context.close()
