"""The booking portal and the call-centre screen in headless Chromium (Debian's, through
Playwright) at phone (390 px) and desktop (1280 px) width, end to end: a resident asks
for a one-time code (read from the outbox, as from their SMS), books in three taps,
sees the queue number (its reminder waits in the outbox), reschedules and cancels; an
agent finds a caller by CCCD with the keyboard, books with Enter, reschedules and cancels.
Every screen: nothing off-screen, Vietnamese first, touch-sized controls, axe-core's WCAG
2.1 AA rules;
screenshots in var/screenshots/booking-*.png (or $HOSO_SCREENSHOTS).

The browser's requests are answered in process by the app (`page.route` → TestClient,
whose cookie jar is the browser's), as in tests/api/test_publichealth_tracing_browser.py;
the pages' reads and writes are tested on both databases in test_booking_portal_*.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route

from hoso.core import clock
from hoso.store.booking_schema import bk_outbox
from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.api.test_publichealth_tracing_browser import ORIGIN, WIDTHS
from tests.api.test_publichealth_tracing_browser import _check as check_page
from tests.booking.dispatching import KeptSender, dispatching
from tests.booking.portal_world import cccd_of, phone_of, sent_code, with_cccd
from tests.booking.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.backend_independent]


def _served_by(client: TestClient) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        request = route.request
        answer = client.request(request.method, request.url.removeprefix(ORIGIN),
                                content=request.post_data_buffer,
                                headers={k: v for k, v in request.headers.items()
                                         if k.lower() in ("content-type", "origin")},
                                follow_redirects=True)  # fmt: skip
        # Redirects are followed here: Chromium does not route a fulfilled redirect's
        # next request (it would look up hoso.test). The session cookie stays in the
        # client's jar (the browser's, here).
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "set-cookie"}
        route.fulfill(status=answer.status_code, headers=headers, body=answer.content)

    return handle


def _check(page: Page, label: str) -> None:
    """The pages' common checks (fit, Vietnamese, touch size, axe) and a screenshot."""
    check_page(page, f"booking-{label}")


@pytest.fixture
def world(store: SqlStore) -> SqlStore:
    build_world(store, capacity=3, residents=2, days=3)
    for n in (0, 1):
        with_cccd(store, n)
    return store


def _go(page: Page, act: Callable[[], None]) -> None:
    """A form post or a link, waited for through its redirect to the page it ends on."""
    with page.expect_navigation():
        act()
    page.wait_for_load_state()


def _reminders_after_dispatch(store: SqlStore) -> int:
    """Run the booking's background work once (the feed → reminders) and count the
    reminders waiting in the outbox for booked visits."""
    with dispatching(store, clock.now_us, KeptSender()) as work:
        work.run_once()
    with store.engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(bk_outbox).where(
            bk_outbox.c.kind == "reminder", bk_outbox.c.status == "pending")
        return int(conn.execute(query).scalar_one())


def _visit_queue(page: Page) -> str:
    return page.locator("#queue-number strong").inner_text()


@pytest.mark.parametrize(("n", "size"), enumerate(WIDTHS))
def test_the_portal_end_to_end(browser: Browser, app: FastAPI, world: SqlStore, n: int,
                               size: tuple[int, int]) -> None:  # fmt: skip
    client = TestClient(app, raise_server_exceptions=False)
    context = browser.new_context(locale="vi-VN", viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.route(f"{ORIGIN}/**", _served_by(client))
    page.goto(f"{ORIGIN}/booking/")
    _check(page, "start")
    page.fill("#cccd", cccd_of(n))
    page.fill("#phone", phone_of(n))
    _go(page, lambda: page.click("#send-code"))
    assert "mã xác nhận đã được gửi" in page.locator("#asked").inner_text()
    _check(page, "code")
    page.fill("#code", sent_code(world))
    _go(page, lambda: page.click("#verify-code"))
    assert page.locator("#services li").count() == 1
    _check(page, "home")
    _go(page, lambda: page.locator("#services a").first.click())  # tap 1: the service
    _check(page, "options")
    _go(page, lambda: page.locator("a.action", has_text="Giờ khác trong ngày").first.click())
    assert page.locator("button.option").count() == 16  # 2 facilities × 8 half-hours
    _check(page, "options-day")
    _go(page, lambda: page.go_back())
    _go(page, lambda: page.locator("button.option").first.click())  # tap 2: held
    assert "Chỗ được giữ cho bạn đến" in page.locator("#held").inner_text()
    _check(page, "confirm")
    _go(page, lambda: page.click("#confirm"))  # tap 3: booked
    assert page.locator("h1").inner_text().startswith("Đã đặt lịch")
    assert _visit_queue(page) == "001"
    _check(page, "booked")
    assert _reminders_after_dispatch(world) >= 1  # the booking's reminder is in the outbox
    _go(page, lambda: page.click("#reschedule"))
    _go(page, lambda: page.locator("ul.options").nth(1).locator("button.option").first.click())
    assert _visit_queue(page) == "001"  # the first of that day too
    page.goto(f"{ORIGIN}/booking/visits")
    assert page.locator("#visits > li").count() == 1
    _check(page, "visits")
    _go(page, lambda: page.locator("#visits a.button", has_text="Hủy").click())
    assert page.locator("#cancel-visit").get_attribute("open") is not None  # asked once more
    _check(page, "cancel")
    page.fill("#reason", "Bận việc đột xuất")
    _go(page, lambda: page.click("#cancel"))
    assert "Đã hủy lịch hẹn" in page.locator("#done").inner_text()
    assert page.locator("#no-visits").is_visible()
    _go(page, lambda: page.click("#booking-logout"))
    assert page.locator("#ask-code").is_visible()
    context.close()
    client.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_the_call_centre_screen_end_to_end(browser: Browser, app: FastAPI, world: SqlStore,
                                           size: tuple[int, int]) -> None:  # fmt: skip
    agent = TestClient(app, raise_server_exceptions=False,
                       headers=bearer(app, role="call-centre", scopes=("user/*.rs",)))  # fmt: skip
    context = browser.new_context(locale="vi-VN", viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.route(f"{ORIGIN}/**", _served_by(agent))
    page.goto(f"{ORIGIN}/booking/call-centre")
    assert page.evaluate("document.activeElement.id") == "q"  # type straight away
    _check(page, "call-centre")
    page.keyboard.type(cccd_of(0))
    _go(page, lambda: page.keyboard.press("Enter"))
    assert "Nguyễn Văn Thử0" in page.locator("#caller").inner_text()
    _check(page, "call-centre-caller")
    _go(page, lambda: page.keyboard.press("Enter"))  # the first option has the focus
    assert "Đã đặt lịch" in page.locator("#done").inner_text()
    assert page.locator("#visits .qn").inner_text() == "001"
    _check(page, "call-centre-booked")
    _go(page, lambda: page.locator("#visits a.button", has_text="Đổi giờ").click())
    _go(page, lambda: page.locator("ul.options").nth(1).locator("button.option").first.click())
    assert "Đã đổi giờ khám" in page.locator("#done").inner_text()
    page.locator("#visits input[name=reason]").fill("Người bệnh gọi hủy")
    _go(page, lambda: page.locator("#visits input[name=reason]").press("Enter"))
    assert "Đã hủy lịch hẹn" in page.locator("#done").inner_text()
    assert page.locator("#no-visits").is_visible()
    context.close()
    agent.close()
