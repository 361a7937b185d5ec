"""The room's queue display and the counter page in headless Chromium at phone (390 px)
and TV (1280 and 1920 px) width: big numbers, the next ones, no names; the display redraws
itself from the JSON board when the counter calls the next number; the counter's forms
work without script. Nothing off-screen, Vietnamese first, axe-core's WCAG 2.1 AA rules;
screenshots in var/screenshots. The queue itself is tested on both databases in
tests/booking/test_queue.py and test_booking_queue_api.py, so this runs once."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.api.test_publichealth_tracing_browser import ORIGIN, WIDTHS, _check, _served_by
from tests.booking.world import FAC, build_world

pytestmark = [pytest.mark.browser, pytest.mark.backend_independent]
ROOM = f"room-{FAC}"


def test_the_display_and_the_counter(browser: Browser, app: FastAPI, store: SqlStore) -> None:
    world = build_world(store, residents=2, days=1)
    counter = TestClient(app, raise_server_exceptions=False,
                         headers=bearer(app, role="clinician", scopes=("user/*.cruds",),
                                        facility=FAC))  # fmt: skip
    anyone = TestClient(app, raise_server_exceptions=False)
    api = f"/api/booking/queue/{ROOM}"
    counter.post(f"{api}/walk-in", json={"patient": world.patients[0]})
    for _ in range(6):  # enough that three calls leave three coming
        counter.post(f"{api}/walk-in")
    counter.post(f"{api}/call-next")
    for width, height in (*WIDTHS, (1920, 1080)):  # a phone, a 720p and a 1080p TV
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _served_by(anyone))
        page.goto(f"{ORIGIN}/booking/queue/{ROOM}")
        called = page.locator("#calling").inner_text()
        assert "Đang gọi số" in page.locator("#calling-title").inner_text()
        assert page.locator("#next li").count() >= 3
        text = page.locator("body").inner_text()
        assert "Nguyễn" not in text and world.patients[0] not in text
        size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('calling'))"
                             ".fontSize)")  # fmt: skip
        assert size >= 96, size  # readable across a waiting room
        _check(page, "booking-queue-display")
        counter.post(f"{api}/call-next")  # the counter calls: the display follows by itself
        page.wait_for_function("n => document.getElementById('calling').textContent !== n",
                               arg=called, timeout=10_000)  # fmt: skip
        assert int(page.locator("#calling").inner_text()) == int(called) + 1
        context.close()
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.route(f"{ORIGIN}/**", _served_by(counter))
    page.goto(f"{ORIGIN}/booking/queue/{ROOM}/counter")
    _check(page, "booking-queue-counter")
    page.locator("#call-next").click()
    assert "Mời số" in page.locator("#message").inner_text()
    page.locator("#number-done").fill(page.locator("#calling").inner_text())
    page.locator("#done button").click()
    assert "khám xong" in page.locator("#message").inner_text()
    page.locator("#cccd").fill("079201009999")
    page.locator("#check-in-cccd button").click()
    assert "Không có lịch hẹn" in page.locator("#problem").inner_text()
    context.close()
    counter.close()
    anyone.close()
