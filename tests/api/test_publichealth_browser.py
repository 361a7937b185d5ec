"""The officer's case pages in headless Chromium against a real server (issue 18 point
7): a hospital's dengue diagnosis posted through FHIR becomes a case in the server's own
case-detection worker; the officer who answers for the ward logs in, finds it, opens
it, reclassifies it with a reason — each page at 390×844 and 1280×900, checked with
axe-core, screenshots in var/screenshots (or $HOSO_SCREENSHOTS).

Rendered by the same code on either database (the store behind is tested on both in
test_publichealth_case_pages.py), so this runs once, on SQLite."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, Page

from hoso.access import claims as roles
from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.auth_services import build_auth
from hoso.assembly import case_access, open_store
from hoso.core.settings import Settings
from hoso.store.auth_store import SqlAuthStore
from hoso.store.sql_store import SqlAuditLog
from tests.api.access_world import encounter, organization
from tests.api.test_book_browser import _check_accessible
from tests.api.test_live import AUTH, server, server_process  # noqa: F401 (fixtures)
from tests.api.test_pages_browser import PASSWORD, WIDTHS, _check_fit, _log_in
from tests.builders.patient import patient
from tests.callers import as_caller

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.backend_independent]
HOME = {"use": "home", "line": ["12 Lê Lợi"], "city": "Phường Sài Gòn",
        "state": "Thành phố Hồ Chí Minh", "country": "VN"}  # fmt: skip


def _post(base: str, resource: dict[str, Any]) -> str:
    made = httpx.post(f"{base}/{resource['resourceType']}", json=resource,
                      headers={"Content-Type": "application/fhir+json", **AUTH})  # fmt: skip
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


@pytest.fixture
def ward(server: str, database_url: str) -> dict[str, Any]:  # noqa: F811
    """The officer `cb.binh` answering for Phường Sài Gòn, and a resident there with
    dengue diagnosed at a hospital."""
    origin = server.removesuffix("/fhir")
    settings = Settings(database_url=database_url, public_base_url=origin)
    store = open_store(database_url, settings)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        accounts = build_auth(SqlAuthStore(store.engine), settings, trail).accounts
        officer, uri = accounts.create("cb.binh", PASSWORD, roles.OFFICER)
        with as_caller(store) as repo:
            case_access(store, repo).set_officer_ward(officer.subject, "26740", add=True)
    finally:
        trail.close()
        store.engine.dispose()
    pid = _post(server, {**patient(cccd="079090001234", family="Lê", given=("Thị", "Mai")),
                         "address": [HOME]})  # fmt: skip
    org = _post(server, organization("79001", "Bệnh viện Quận 1"))
    _post(server, encounter(pid, org))
    _post(server, {"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"},
                   "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10",
                                        "code": "A97.1"}]},
                   "onsetDateTime": "2026-11-18", "recordedDate": "2026-11-20"})  # fmt: skip
    assert uri
    return {"origin": origin, "logins": {"officer": ("cb.binh",
                                                    pyotp.TOTP(pyotp.parse_uri(uri).secret))}}


def _both_widths(page: Page, label: str) -> None:
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        _check_fit(page, label)
        _check_accessible(page, f"{label}-{width}")


def test_an_officer_finds_opens_and_reclassifies_a_case(browser: Browser,
                                                        ward: dict[str, Any]) -> None:  # fmt: skip
    origin = ward["origin"]
    context, page = _log_in(browser, ward, "officer")
    try:
        deadline = time.monotonic() + 30  # the server's worker makes the case
        page.goto(f"{origin}/publichealth/cases")
        while page.locator("#cases").count() == 0 and time.monotonic() < deadline:
            time.sleep(0.5)
            page.reload()
        assert "Sốt xuất huyết Dengue" in page.locator("#cases").inner_text()
        _both_widths(page, "publichealth-cases")
        page.locator("#cases a.action").first.click()
        assert "Lê Thị Mai" in page.locator("#person").inner_text()
        assert "trễ" in page.locator("#deadline").inner_text()
        _both_widths(page, "publichealth-case")
        page.select_option("#new-classification", "confirmed")
        page.fill("#reason", "NS1 dương tính ngày 21/11")
        page.locator("#reclassify button").click()
        page.wait_for_load_state()
        assert "Xác định" in page.locator("#classification").inner_text()
        assert "NS1 dương tính ngày 21/11" in page.locator("#history").inner_text()
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        context.close()
