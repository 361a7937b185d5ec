"""The warehouse's pages in headless Chromium (issue 20 point 7): an officer opens
`/warehouse/` and `/warehouse/health/` at 390×844 and 1280×900 — nothing off-screen,
Vietnamese first, controls ≥ 44 px, no axe-core violation (WCAG 2.1 A/AA) — chooses a
tile (its row in the table), another indicator and month through the plain form, and
downloads a chart's CSV. The app is served in-process through Playwright's routing, as
test_publichealth_tracing_browser.py does. Screenshots in var/screenshots.

The pages are the same code on either database (their reads are tested on both in
test_warehouse_pages.py): once, on SQLite."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from hoso.publichealth.series.districts import ward_places
from hoso.warehouse.indicators.model import WARD, IndicatorValue
from hoso.warehouse.indicators.source import StaticSource
from tests.api.conftest import bearer
from tests.api.test_publichealth_tracing_browser import ORIGIN, WIDTHS, _check, _served_by
from tests.warehouse.exchange.fake_source import DEFINITIONS, MORBIDITY, SAIGON, VALUES

pytestmark = [pytest.mark.browser, pytest.mark.backend_independent]


def _city() -> StaticSource:
    """The hand-made values, and every other ward a made-up rate (n = code mod 97 of a
    population of 20,000–39,999): a map with all five colours."""
    more = []
    for place in ward_places():
        if place.code in (SAIGON, "26743"):
            continue
        n = int(place.code) % 97
        more.append(IndicatorValue(MORBIDITY.code, "2026-11", WARD, place.code, n,
                                   20_000 + int(place.code) % 20_000))  # fmt: skip
    return StaticSource(DEFINITIONS, (*VALUES, *more))


@pytest.fixture
def officer(app: FastAPI) -> Iterator[TestClient]:
    app.state.warehouse_source = _city()
    headers = bearer(app, role="officer", scopes=("user/*.cruds",), subject="account:cb.binh")
    with TestClient(app, raise_server_exceptions=False, headers=headers) as client:
        yield client


def test_an_officer_reads_the_health_page(browser: Browser, officer: TestClient) -> None:
    for width, height in WIDTHS:
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height},
                                      accept_downloads=True)  # fmt: skip
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m, seen=problems: seen.append(m.text)
                if m.type == "error" else None)  # fmt: skip
        page.route(f"{ORIGIN}/**", _served_by(officer))
        page.goto(f"{ORIGIN}/warehouse/")
        assert page.locator("#groups li").count() == 3
        _check(page, "warehouse-home")
        page.locator("#groups a", has_text="Sức khỏe người dân").click()
        page.wait_for_url(f"{ORIGIN}/warehouse/health/")
        assert page.locator("ol.ward-grid li").count() == 168
        assert {c for c in ("r0", "r1", "r2", "r3", "r4", "r5")
                if page.locator(f"ol.ward-grid li.{c}").count()} >= {"r1", "r3", "r5"}
        _check(page, "warehouse-health")
        page.locator("ol.ward-grid a", has_text="Sài Gòn").click()  # its row in the table
        assert page.url.endswith("#w-26740")
        assert page.locator("#w-26740").is_visible()  # the folded table opens at its row
        assert page.locator("#w-26740 td").last.inner_text() == "66,7"
        page.select_option("select[name=indicator]", "immunisation-coverage")
        page.get_by_role("button", name="Xem").click()
        page.wait_for_url("**indicator=immunisation-coverage**")
        assert page.locator("#ward-table tbody tr").count() == 1
        _check(page, "warehouse-health-coverage")
        with page.expect_download() as waiting:
            page.locator("#chart-visits figcaption a").click()
        download = waiting.value
        rows = list(csv.DictReader(io.StringIO(
            open(download.path(), encoding="utf-8-sig").read())))  # noqa: SIM115
        assert [(r["key"], r["value"]) for r in rows] == [("2026-10", "1100"),
                                                          ("2026-11", "1234")]  # fmt: skip
        assert problems == []
        context.close()
