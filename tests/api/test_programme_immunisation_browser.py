"""The immunisation pages in headless Chromium (Debian's, through Playwright) at phone
and desktop width, as a ward station's nurse: the session screen (a dose recorded from
the form, an expired lot refused on the page, a severe AEFI opening its report and the
flagged lot shown), the coverage table and the AEFI reports; nothing off-screen,
Vietnamese first, controls big enough to touch, axe-core's WCAG 2.1 AA rules;
screenshots in var/screenshots (or $HOSO_SCREENSHOTS).

The browser's requests are answered in process by the app (as the tracing pages'
test); the pages' reads and writes are tested on both databases in
test_programme_immunisation_api.py, so this runs once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from hoso.store.sql_store import SqlStore
from tests.api.immunisation_world import TODAY, ImmunisationWorld
from tests.api.test_publichealth_tracing_browser import ORIGIN, _check, _served_by
from tests.programmes.world import WARD

pytestmark = [pytest.mark.browser, pytest.mark.backend_independent]
WIDTHS = ((390, 844), (1280, 900))


@pytest.fixture
def world(app: FastAPI, store: SqlStore, client: TestClient) -> Iterator[ImmunisationWorld]:
    made = ImmunisationWorld(app, store, client)
    yield made
    made.close()


def test_the_session_screen_at_both_widths(browser: Browser, world: ImmunisationWorld) -> None:
    child = world.ids["child"]
    for n, (width, height) in enumerate(WIDTHS):
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _served_by(world.nurse))
        page.goto(f"{ORIGIN}/programmes/immunisation/children/{child}")
        assert page.locator("#due tbody tr").count() >= 5
        _check(page, "immunisation-session")
        lot = f"PENTA-{n}"
        page.select_option("#product", "102")
        page.fill("#lot", lot)
        page.fill("#expiry", (TODAY - timedelta(days=1)).isoformat())  # expired
        page.click("#save-dose")
        assert "hết hạn" in page.locator("#error").inner_text()
        assert page.locator("#lot").input_value() == lot  # what was typed is kept
        _check(page, "immunisation-session-refused")
        page.fill("#expiry", (TODAY + timedelta(days=60)).isoformat())
        page.fill("#dose_number", str(n + 1))
        page.fill("#aefi_event", "Sốc phản vệ")
        page.select_option("#aefi_seriousness", "serious")
        page.select_option("#aefi_severity", "severe")
        page.check("#reaction_seen")
        page.click("#save-dose")
        saved = page.locator("#saved").inner_text()
        assert "Đã ghi mũi tiêm" in saved and "báo cáo 24 giờ" in saved
        assert lot in page.locator("#flagged").inner_text()
        assert lot in page.locator("#given").inner_text()
        _check(page, "immunisation-session-saved")
        page.goto(f"{ORIGIN}/programmes/immunisation/aefi")
        assert page.locator("#reports tbody tr").count() == n + 1
        _check(page, "immunisation-aefi")
        context.close()


def test_the_coverage_page_at_both_widths(browser: Browser, world: ImmunisationWorld) -> None:
    world.recompute()
    cohort = (TODAY - timedelta(days=150)).year
    for width, height in WIDTHS:
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _served_by(world.nurse))
        page.goto(f"{ORIGIN}/programmes/immunisation/coverage")
        page.fill("#ward", WARD)
        page.fill("#birth_year", str(cohort))
        page.click("#show")
        assert page.locator("#coverage tbody tr").count() > 20
        assert "trẻ có trong hồ sơ" in page.locator("main").inner_text()
        _check(page, "immunisation-coverage")
        context.close()
