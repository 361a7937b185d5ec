"""The cohorts page (/programmes/cohorts) in headless Chromium at phone and desktop
width, as a ward station's clinician (their ward's counts and members, the campaign
CSV) and as an officer (a restricted cohort: ward totals, "<5"): nothing off-screen,
Vietnamese first, controls big enough to touch, axe-core's WCAG 2.1 AA rules;
screenshots in var/screenshots (or $HOSO_SCREENSHOTS). The page's reads are tested on
both databases in test_programme_cohorts_api.py, so this runs once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser

from hoso.store.sql_store import SqlStore
from tests.api.test_programme_cohorts_api import Cohorts
from tests.api.test_publichealth_tracing_browser import ORIGIN, WIDTHS, _check, _served_by

pytestmark = [pytest.mark.browser, pytest.mark.backend_independent]


@pytest.fixture
def world(app: FastAPI, store: SqlStore) -> Iterator[Cohorts]:
    made = Cohorts(app, store)
    yield made
    for c in made.clients:
        c.close()


def test_the_cohorts_page_at_both_widths(browser: Browser, world: Cohorts) -> None:
    world.snapshot()
    station, officer = world.station(), world.officer()
    for width, height in WIDTHS:
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height},
                                      accept_downloads=True)  # fmt: skip
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _served_by(station))
        page.goto(f"{ORIGIN}/programmes/cohorts?cohort=hypertension")
        assert page.locator("#cohort-total strong").inner_text() == "8"
        assert page.locator("#cohort-members tbody tr").count() == 8
        assert "Tăng huyết áp" in page.locator("#cohort-rule h2").inner_text()
        _check(page, "cohorts-station")
        with page.expect_download() as caught:
            page.locator("#export-csv").click()
        text = Path(caught.value.path()).read_text(encoding="utf-8-sig")
        assert text.startswith("ma_nguoi_benh/patient") and text.count("\n") == 9
        page.select_option("#filter-cohort", "elderly-60")
        page.locator("#cohort-filter button").click()
        assert page.locator("#cohort-total strong").inner_text() == "6"
        page.unroute(f"{ORIGIN}/**")
        page.route(f"{ORIGIN}/**", _served_by(officer))
        page.goto(f"{ORIGIN}/programmes/cohorts?cohort=tb-hiv")
        assert page.locator("#restricted-note").is_visible()
        assert page.locator("#cohort-counts tbody td").nth(1).inner_text() == "<5"
        assert page.locator("#cohort-members").count() == 0  # counts only
        _check(page, "cohorts-restricted")
        context.close()
