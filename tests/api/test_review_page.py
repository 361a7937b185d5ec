"""The steward's review page in headless Chromium against a real server process (both
backends): the queue, the side-by-side comparison with its highlights, and the two
buttons, checked afterwards through the FHIR API. The browser sends the steward's bearer
token on every request, as a steward's client would; the page itself runs no script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.auth_services import build_auth
from hoso.core.settings import Settings
from hoso.store.auth_store import SqlAuthStore
from hoso.store.sql_store import SqlAuditLog, make_store
from tests.api.test_live import AUTH, server, server_process  # noqa: F401 (fixtures)
from tests.identity.mpi.test_review_queue import STEWARD_AGENT, look_alikes

pytestmark = [pytest.mark.live, pytest.mark.browser]

EXACT_BG, DISAGREE_BG = "rgb(223, 243, 224)", "rgb(249, 214, 213)"  # review_routes.STYLE


def _steward_token(database_url: str, origin: str) -> str:
    """A steward's access token signed with the server's key (as `/auth` would issue it
    after a steward logs in), for the server at `origin`."""
    settings = replace(Settings.from_env(database_url), public_base_url=origin)  # the issuer
    store = make_store(database_url, settings)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        auth = build_auth(SqlAuthStore(store.engine), settings, trail)
        return auth.tokens.issue(subject=STEWARD_AGENT, role="steward", scopes=("user/*.cruds",),
                                 client_id="tests", audience=f"{origin}/fhir")  # fmt: skip
    finally:
        trail.close()
        store.engine.dispose()


@pytest.fixture
def site(server: str, database_url: str) -> dict[str, Any]:  # noqa: F811
    """The server, a steward's header, and a pair the MPI filed: (first, second)."""
    origin = server.removesuffix("/fhir")
    ids = []
    for resource in look_alikes():
        response = httpx.post(f"{server}/Patient", json=resource,
                              headers={"Content-Type": "application/fhir+json", **AUTH})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    steward = {"Authorization": f"Bearer {_steward_token(database_url, origin)}"}
    return {"fhir": server, "origin": origin, "steward": steward, "ids": ids}


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, site: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(extra_http_headers=site["steward"], locale="vi-VN")
    opened = context.new_page()
    problems: list[str] = []  # a CSP violation is reported on the console
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    assert problems == []


def _open_pair(page: Page, site: dict[str, Any]) -> int:
    """From the queue to the pair's page; checks the highlights on the way."""
    page.goto(f"{site['origin']}/api/mpi/review.html")
    assert "Hồ sơ nghi trùng" in page.title()
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 1
    cid = int(rows.first.get_attribute("data-candidate") or "0")
    rows.first.get_by_role("link", name=re.compile("Xem")).click()
    page.wait_for_url(f"**/api/mpi/review/{cid}.html")
    family, address = page.locator("#field-family"), page.locator("#field-address")
    assert family.get_attribute("class") == "exact" and "✓ Khớp" in family.inner_text()
    assert address.get_attribute("class") == "disagree" and "✗ Khác" in address.inner_text()
    assert "– Thiếu" in page.locator("#field-cccd").inner_text()
    assert _background(page, "#field-family td") == EXACT_BG
    assert _background(page, "#field-address td") == DISAGREE_BG
    assert "01/05/1990" in page.locator("#field-birth_date").inner_text()
    return cid


def _background(page: Page, selector: str) -> str:
    return str(page.eval_on_selector(
        selector, "e => getComputedStyle(e.parentElement).backgroundColor"))  # fmt: skip


def _candidate(site: dict[str, Any], cid: int) -> dict[str, Any]:
    response = httpx.get(f"{site['origin']}/api/mpi/candidates/{cid}", headers=site["steward"])
    assert response.status_code == 200, response.text
    return dict(response.json())


def _patient(site: dict[str, Any], pid: str) -> dict[str, Any]:
    return dict(httpx.get(f"{site['fhir']}/Patient/{pid}", headers=AUTH).json())


def test_merge_from_the_page(page: Page, site: dict[str, Any]) -> None:
    first, second = site["ids"]
    cid = _open_pair(page, site)
    page.get_by_role("button", name="Hợp nhất / Merge").click()
    page.wait_for_url(f"**/api/mpi/review/{cid}.html")
    assert "Đã hợp nhất" in page.locator("#status").inner_text()
    assert page.locator("form").count() == 0  # decided: no buttons any more
    retired = _patient(site, second)  # the first (with CCCD and phone) is kept
    assert retired["active"] is False
    assert {"other": {"reference": f"Patient/{first}"}, "type": "replaced-by"} in retired["link"]
    assert _patient(site, first).get("active", True) is True
    queue = httpx.get(f"{site['origin']}/api/mpi/candidates", headers=site["steward"]).json()
    assert queue["candidates"] == [] and _candidate(site, cid)["status"] == "merged"
    page.goto(f"{site['origin']}/api/mpi/review.html")
    assert page.locator("#queue").count() == 0


def test_not_the_same_person_from_the_page(page: Page, site: dict[str, Any]) -> None:
    cid = _open_pair(page, site)
    page.get_by_role("button", name=re.compile("Không phải cùng một người")).click()
    page.wait_for_url(f"**/api/mpi/review/{cid}.html")
    assert "Không phải cùng một người" in page.locator("#status").inner_text()
    for pid in site["ids"]:
        patient = _patient(site, pid)
        assert patient.get("active", True) is True and "link" not in patient
    assert _candidate(site, cid)["status"] == "rejected"
