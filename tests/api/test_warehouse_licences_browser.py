"""The licence pages in headless Chromium against a real server (issue 20 points 5 and
7): a visitor verifies a number with the public form, no login; an officer logs in,
opens /warehouse/licences/ (expiring in 90 days, the findings) and downloads each table
as CSV. At 390×844 and 1280×900: nothing off-screen, Vietnamese first, controls ≥ 44 px,
no axe-core violation (WCAG 2.1 AA). Screenshots in var/screenshots.

The pages are the same code on either database (their reads are tested on both in
test_warehouse_licences_api.py): once, on SQLite."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, Page

from hoso.access import claims as roles
from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.auth_services import build_auth
from hoso.access.warehouse_licences import LicenceAccess
from hoso.assembly import open_store
from hoso.core.settings import Settings
from hoso.store.auth_store import SqlAuthStore
from hoso.store.sql_store import SqlAuditLog
from hoso.warehouse.licences.registry import import_file
from tests.api.test_book_browser import _check_accessible
from tests.api.test_live import server, server_process  # noqa: F401 (fixtures)
from tests.api.test_pages_browser import PASSWORD, WIDTHS, _check_fit, _log_in
from tests.callers import as_caller
from tests.warehouse.licence_world import CERTIFICATES, FACILITIES, SOURCE, plant_records

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.backend_independent]


@pytest.fixture
def city(server: str, database_url: str) -> dict[str, Any]:  # noqa: F811
    origin = server.removesuffix("/fhir")
    settings = Settings(database_url=database_url, public_base_url=origin)
    store = open_store(database_url, settings)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        with as_caller(store) as repo:
            for text, kind in ((CERTIFICATES, "certificates"), (FACILITIES, "facilities")):
                assert import_file(LicenceAccess(repo), text.encode(), kind, SOURCE,
                                   date(2026, 12, 1)).ok  # fmt: skip
            plant_records(repo)
        accounts = build_auth(SqlAuthStore(store.engine), settings, trail).accounts
        _officer, uri = accounts.create("cb.lan", PASSWORD, roles.OFFICER)
    finally:
        trail.close()
        store.engine.dispose()
    return {"origin": origin, "logins": {"officer": ("cb.lan",
                                                     pyotp.TOTP(pyotp.parse_uri(uri).secret))}}


def _see(page: Page, label: str) -> None:
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        _check_fit(page, f"licences-{label}")
        _check_accessible(page, f"licences-{label}-{width}")


def test_a_visitor_verifies_a_licence_without_logging_in(browser: Browser,
                                                         city: dict[str, Any]) -> None:
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    try:
        answer = page.goto(f"{city['origin']}/licences/verify")
        assert answer is not None and answer.status == 200
        _see(page, "verify-form")
        page.fill("#number", "000102/hcm-gphn")
        page.get_by_role("button", name="Tra cứu").click()
        page.wait_for_url("**/licences/verify?number=**")
        assert page.locator("#verdict").inner_text().startswith("Còn hiệu lực hôm nay")
        assert page.locator("#holder").inner_text() == "Trần Thị Bình"
        assert page.locator("#scopes").inner_text() == "Răng hàm mặt"
        assert page.locator("#expires").inner_text() == "14/01/2029"
        assert page.locator("#source").inner_text().startswith("Sở Y tế TP.HCM, công khai")
        _see(page, "verify-valid")
        page.fill("#number", "000106/HCM-GPHN")  # withheld: answered as unknown
        page.get_by_role("button", name="Tra cứu").click()
        assert page.locator("#verdict").inner_text().startswith("Không tìm thấy")
        _see(page, "verify-unknown")
    finally:
        context.close()


def test_an_officer_sees_expiring_licences_and_findings(browser: Browser,
                                                        city: dict[str, Any]) -> None:
    origin = city["origin"]
    context, page = _log_in(browser, city, "officer")
    try:
        answer = page.goto(f"{origin}/warehouse/licences/")
        assert answer is not None and answer.status == 200
        _see(page, "warehouse")
        expiring = page.locator("#expiring tbody tr", has_text="000103/HCM-GPHN")
        assert "Đã hết hạn" in expiring.inner_text() and "30/06/2026" in expiring.inner_text()
        assert page.locator("#findings tbody tr").count() == 6
        assert "Số phát hiện" in page.locator("#findings-total").inner_text()
        with page.expect_download() as download:
            page.locator("#findings-csv").click()
        text = download.value.path().read_text(encoding="utf-8-sig")
        assert text.startswith("date,practitioner") and len(text.strip().splitlines()) == 7
        with page.expect_download() as download:
            page.locator("#expiring-csv").click()
        assert "000103/HCM-GPHN" in download.value.path().read_text(encoding="utf-8-sig")
        page.fill("#since", "02/11/2026")
        page.get_by_role("button", name="Xem").click()
        page.wait_for_url("**since=02%2F11%2F2026**")
        assert page.locator("#findings tbody tr").count() == 4
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        context.close()
