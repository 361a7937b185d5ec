"""The tracing pages in headless Chromium (Debian's, through Playwright) at phone and
desktop width: the station's daily list (and its print view), the officer's (with the
bulk actions), a disease's snapshots and a chain's drawing with a node cap; nothing
off-screen, Vietnamese first, controls big enough to touch, axe-core's WCAG 2.1 AA
rules; screenshots in var/screenshots (or $HOSO_SCREENSHOTS).

The browser's requests are answered in process by the app (`page.route` → TestClient),
so no server process is needed; the pages are the same code on either database (their
reads are tested on both in test_publichealth_tracing_api.py), so this runs once."""

from __future__ import annotations

import os
import re
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route

from hoso.store.sql_store import SqlStore
from tests.api.test_publichealth_tracing_api import Tracing, _register, _source
from tests.publichealth.tracing.world import OFFICER_A, STATION, WARD, add_case, day

pytestmark = [pytest.mark.browser, pytest.mark.backend_independent]
ORIGIN = "http://hoso.test"
WIDTHS = ((390, 844), (1280, 900))
SHOTS = Path(os.environ.get("HOSO_SCREENSHOTS", "var/screenshots"))
_AXE = Path(os.environ.get("HOSO_AXE", ".cache/npm/axe-core-4.14.1.tgz"))
_AXE = _AXE if _AXE.exists() else Path("/work/main/.cache/npm/axe-core-4.14.1.tgz")
with tarfile.open(_AXE) as _package:
    AXE_SOURCE = _package.extractfile("package/axe.min.js").read().decode()  # type: ignore[union-attr]
# As tests/api/test_pages_browser.py: a tick box counts by its label (label.choice).
CONTROLS = ("button, a.button, a.action, select, label.choice, "
            "input:not([type=hidden]):not([type=radio]):not([type=checkbox])")  # fmt: skip


def _served_by(client: TestClient) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        request = route.request
        answer = client.request(request.method, request.url.removeprefix(ORIGIN),
                                content=request.post_data_buffer,
                                headers={k: v for k, v in request.headers.items()
                                         if k.lower() in ("content-type", "origin")},
                                follow_redirects=False)  # fmt: skip
        route.fulfill(status=answer.status_code, headers=dict(answer.headers), body=answer.content)

    return handle


def _check(page: Page, label: str) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth)
        .map(e => e.tagName + "." + e.className).slice(0, 8)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{label}: {wide}"
    assert page.locator("html").get_attribute("lang") == "vi"
    heading = page.locator("h1").first.inner_text()
    assert re.search(r"[ạảãàáâậầấẩẫăắằẵẳặđêếềểễệôốồổỗộơớờởỡợưứừửữự]", heading.lower()), heading
    small = page.evaluate(f"""() => [...document.querySelectorAll("{CONTROLS}")]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height])
        .filter(([_, h]) => h < 44)""")
    assert small == [], f"{label}: {small}"
    page.evaluate(AXE_SOURCE + "\n;0")
    found = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})).violations
        .map(v => [v.id, v.nodes.slice(0, 3).map(n => n.html.slice(0, 80))])""")
    assert found == [], f"{label}: {found}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{label}-{width}.png"), full_page=True)


@pytest.fixture
def world(app: FastAPI, store: SqlStore) -> Iterator[Tracing]:
    made = Tracing(app, store)
    yield made
    for c in made.clients:
        c.close()


def test_the_list_and_the_chain_at_both_widths(browser: Browser, world: Tracing,
                                               client: TestClient, store: SqlStore
                                               ) -> None:  # fmt: skip
    tracing = world
    source = _source(client, store)
    officer = tracing.as_("officer", OFFICER_A)
    targets = [_register(officer, source, n).json()["target"] for n in range(2, 9)]
    for n, target in enumerate(targets[:3]):
        add_case(store.engine, target, onset=day(-2 + n % 2))
    snap = officer.post("/api/publichealth/chains", json={"disease": "measles"}).json()
    station = tracing.as_("clinician", "account:tyt-a", facility=STATION)
    closed = client.post("/api/publichealth/followups/close", json={}).json()
    assert closed["became-case"] == 3  # diagnosed since: off the list
    for width, height in WIDTHS:
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _served_by(station))
        page.goto(f"{ORIGIN}/publichealth/contacts.html?ward={WARD}")
        assert page.locator("table.tracing tbody tr").count() == 4  # 7 contacts, 3 now cases
        _check(page, "tracing-list")
        page.select_option("table.tracing tbody tr >> nth=0 >> select", "missed")
        page.locator("table.tracing tbody tr >> nth=0 >> button").click()
        assert "Đã ghi kết quả thăm" in page.locator("p.notice").inner_text()
        page.emulate_media(media="print")
        assert page.locator("form.noprint").first.is_hidden()
        page.screenshot(path=str(SHOTS / f"tracing-list-print-{width}.png"), full_page=True)
        page.emulate_media(media="screen")
        page.unroute(f"{ORIGIN}/**")
        page.route(f"{ORIGIN}/**", _served_by(officer))
        page.goto(f"{ORIGIN}/publichealth/contacts.html?ward={WARD}")
        assert page.locator("#bulk").count() == 1  # the supervisor's bulk actions
        _check(page, "tracing-list-officer")
        page.goto(f"{ORIGIN}/publichealth/chains.html?disease=measles")
        assert page.locator("table.cards tbody tr").count() == 1
        _check(page, "tracing-chains")
        page.goto(f"{ORIGIN}/publichealth/chains/{snap['id']}.html?node_cap=10")
        assert page.locator("figure.chain svg").count() == 1
        assert page.locator("#status").inner_text() == "done"
        _check(page, "tracing-chain")
        context.close()
