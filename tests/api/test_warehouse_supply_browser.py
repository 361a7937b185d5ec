"""The group 2 page (/warehouse/supply/) in headless Chromium at phone (390 px) and
desktop (1280 px) width, as an officer (the city) and as a facility's clinician (their
own facility): workforce per ward per 10,000, equipment per ward, stock-outs, expiring
lots, each table's CSV link; nothing off-screen, Vietnamese first, axe-core's WCAG 2.1
AA rules; screenshots in var/screenshots. Its numbers are tested on both databases in
test_warehouse_supply_api.py and tests/warehouse/, so this runs once."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.api.test_publichealth_tracing_browser import ORIGIN, WIDTHS, _check, _served_by
from tests.warehouse.supply_world import FAC, OTHER, STAFF_CSV, facilities
from tests.warehouse.test_supply_equipment import DEVICES
from tests.warehouse.test_supply_ledger import AMLODIPIN, RECEIPTS

pytestmark = [pytest.mark.browser, pytest.mark.backend_independent]
CSV = {"Content-Type": "text/csv"}


def _client(app: FastAPI, role: str, facility: str | None = None) -> TestClient:
    scopes = ("user/*.cruds",) if role == "clinician" else ("user/*.rs",)
    return TestClient(app, raise_server_exceptions=False,
                      headers=bearer(app, role=role, scopes=scopes, facility=facility))  # fmt: skip


def test_the_supply_page_at_both_widths(browser: Browser, app: FastAPI, store: SqlStore) -> None:
    facilities(store)
    mine, theirs, officer = (_client(app, "clinician", FAC), _client(app, "clinician", OTHER),
                             _client(app, "officer"))  # fmt: skip
    url = f"/api/warehouse/supply/facilities/{FAC}"
    for kind, body in (("workforce", STAFF_CSV), ("devices", DEVICES), ("stock", RECEIPTS)):
        assert mine.post(f"{url}/{kind}", content=body, headers=CSV).status_code == 200
    # Everything dispensed and more: a stock-out of Amlodipin (350 received, 360 lost).
    assert mine.post(f"{url}/adjustments", json={"drug": AMLODIPIN, "quantity": -360,
                                                 "reason": "kiểm kê thiếu"}).status_code == 201
    for width, height in WIDTHS:
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height},
                                      accept_downloads=True)  # fmt: skip
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _served_by(officer))
        page.goto(f"{ORIGIN}/warehouse/supply/")
        assert "Nhân lực theo phường/xã" in page.locator("#workforce").inner_text()
        ward_row = page.locator("table").first.locator("tbody tr").first
        assert "Sài Gòn" in ward_row.inner_text() and "2" in ward_row.inner_text()
        assert page.locator("table").nth(1).locator("tbody tr").count() == 3  # B+B+C rows
        assert page.locator("#expiring + p + div tbody tr").count() == 0  # no stock left
        _check(page, "warehouse-supply-officer")
        with page.expect_download() as caught:
            page.locator("a[href$='workforce.csv?table=wards']").click()
        text = Path(caught.value.path()).read_text(encoding="utf-8-sig")
        assert text.startswith("ward,profession,headcount") and "26740,doctor,2" in text
        page.unroute(f"{ORIGIN}/**")
        page.route(f"{ORIGIN}/**", _served_by(theirs))
        page.goto(f"{ORIGIN}/warehouse/supply/")
        assert page.locator("table").count() == 0  # another facility: none of this
        assert page.locator("p.empty").count() == 4
        _check(page, "warehouse-supply-other-facility")
        context.close()
    for c in (mine, theirs, officer):
        c.close()
