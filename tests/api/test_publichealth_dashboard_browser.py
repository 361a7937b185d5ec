"""The surveillance pages in headless Chromium against a real server (issue 18 point
7): an officer logs in through the form, opens the dashboard (curve, 168-ward tile map,
district table), the alarms, the foci and the denominators page at 390×844 and
1280×900 — nothing off-screen, Vietnamese first, controls ≥ 44 px, no axe-core
violation (WCAG 2.1 AA) — and acts through the plain forms: a signal dismissed, another
made a focus, the focus's daily report sent. Screenshots in var/screenshots.

The pages are the same code on either database (their reads are tested on both in
test_publichealth_dashboard.py): once, on SQLite."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, Page

from hoso.access import claims as roles
from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.auth_services import build_auth
from hoso.assembly import open_store
from hoso.core.settings import Settings
from hoso.core.vi_format import HCMC
from hoso.publichealth.daily import run_daily
from hoso.store.auth_store import SqlAuthStore
from hoso.store.publichealth_series import SqlSurveillance
from hoso.store.sql_store import SqlAuditLog
from tests.api.test_book_browser import _check_accessible
from tests.api.test_live import server, server_process  # noqa: F401 (fixtures)
from tests.api.test_pages_browser import PASSWORD, WIDTHS, _check_fit, _log_in
from tests.publichealth.case_rows import Case, assign_ward, enable_diseases, insert_cases
from tests.publichealth.fakes import DefaultCatalogue

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.backend_independent]
SAIGON, BEN_THANH = "26740", "26743"


def _outbreak(engine: Any) -> None:
    """Ten quiet weeks of dengue in Sài Gòn and Bến Thành, then a jump last week; a
    little measles; denominators for every ward."""
    today = datetime.now(HCMC).date()
    cases = []
    for week in range(12, 1, -1):
        day = (today - timedelta(weeks=week)).isoformat()
        cases += [Case("dengue", SAIGON, day)] * 2 + [Case("dengue", BEN_THANH, day)]
    last = today - timedelta(days=today.weekday() + 4)  # the Thursday of last week
    cases += [Case("dengue", SAIGON, last.isoformat())] * 12
    cases += [Case("dengue", BEN_THANH, last.isoformat())] * 6
    cases += [Case("dengue", "25747", last.isoformat())] * 3
    cases += [Case("measles", "26800", last.isoformat())]
    insert_cases(engine, cases)
    enable_diseases(engine, ["dengue", "measles"])
    rows = SqlSurveillance(engine)
    rows.store_population([(SAIGON, today.year, 45_000), (BEN_THANH, today.year, 30_000),
                           ("25747", today.year, 60_000)])  # fmt: skip
    run_daily(rows, DefaultCatalogue(["dengue", "measles"]), today, 1)


@pytest.fixture
def city(server: str, database_url: str) -> dict[str, Any]:  # noqa: F811
    origin = server.removesuffix("/fhir")
    settings = Settings(database_url=database_url, public_base_url=origin)
    store = open_store(database_url, settings)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        _outbreak(store.engine)
        accounts = build_auth(SqlAuthStore(store.engine), settings, trail).accounts
        officer, uri = accounts.create("cb.binh", PASSWORD, roles.OFFICER)
        assign_ward(store.engine, officer.subject, SAIGON)  # Sài Gòn's counts: exact
    finally:
        trail.close()
        store.engine.dispose()
    return {"origin": origin, "logins": {"officer": ("cb.binh",
                                                     pyotp.TOTP(pyotp.parse_uri(uri).secret))}}


def _see(page: Page, origin: str, path: str, label: str) -> None:
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        answer = page.goto(f"{origin}{path}")
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        _check_fit(page, f"publichealth-{label}")
        _check_accessible(page, f"publichealth-{label}-{width}")


def test_an_officer_watches_and_acts(browser: Browser, city: dict[str, Any]) -> None:
    origin = city["origin"]
    context, page = _log_in(browser, city, "officer")
    try:
        page.locator("a[href='/publichealth/']").click()  # from the officer's home page
        page.wait_for_url(f"{origin}/publichealth/")
        assert "Sốt xuất huyết Dengue" in page.locator("h1").inner_text()
        _see(page, origin, "/publichealth/", "dashboard")
        assert page.locator("ol.ward-grid li").count() == 168
        assert page.locator("rect.bar-onset").count() == 26
        assert "<5" in page.locator("ol.ward-grid").inner_text()  # Thủ Dầu Một's 3
        page.locator("ol.ward-grid a", has_text="Sài Gòn").click()  # a tile: its ward's curve
        page.wait_for_url("**level=ward&area=26740**")
        assert "Phường Sài Gòn" in page.locator("p.meta").first.inner_text()
        assert page.locator("rect.bar-onset").count() == 26
        _see(page, origin, "/publichealth/diseases/dengue?interval=day&level=district"
             "&area=Qu%E1%BA%ADn+1", "dashboard-day")  # fmt: skip
        _see(page, origin, "/publichealth/signals", "signals")
        rows = page.locator("tr[id^=signal-]")
        assert rows.count() >= 3  # Sài Gòn, Bến Thành, the city
        city_row = page.locator("tr[id^=signal-]", has_text="Toàn thành phố")
        city_row.locator("select").select_option("dismiss")
        city_row.locator("input[name=note]").fill("Báo cáo dồn / reporting backlog")
        city_row.get_by_role("button").click()
        page.wait_for_url(f"{origin}/publichealth/signals")
        saigon = page.locator("tr[id^=signal-]", has_text="Phường Sài Gòn")
        saigon.locator("select").select_option("focus")
        saigon.get_by_role("button").click()
        page.wait_for_url(f"{origin}/publichealth/foci/*")
        assert "đang hoạt động" in page.locator("#focus-status").inner_text()
        page.fill("#new-cases", "2")
        page.fill("#report-text", "Phun hóa chất diệt muỗi, diệt lăng quăng 120 hộ")
        page.get_by_role("button", name="Gửi báo cáo hôm nay").click()
        page.wait_for_url(f"{origin}/publichealth/foci/*")
        assert "120 hộ" in page.locator("ol.timeline").inner_text()
        focus_path = page.url.removeprefix(origin)
        _see(page, origin, focus_path, "focus")
        _see(page, origin, "/publichealth/foci", "foci")
        _see(page, origin, "/publichealth/population", "population")
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        context.close()
