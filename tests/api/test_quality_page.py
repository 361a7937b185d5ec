"""The scorecard page in headless Chromium against the real server process, on SQLite
and PostgreSQL: Vietnamese headings with their marks, rates with a decimal comma,
dates dd/mm/yyyy, the filter form, and no style blocked by the page's CSP."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page

from hoso.assembly import open_store
from hoso.core.settings import Settings
from tests.api.test_live import AUTH, server, server_process  # noqa: F401 (fixtures)
from tests.callers import as_caller
from tests.ingest.quality import world

pytestmark = [pytest.mark.live, pytest.mark.browser]
DATE = re.compile(r"\b[0-3][0-9]/[01][0-9]/20[0-9]{2} [0-2][0-9]:[0-5][0-9]\b")


@pytest.fixture
def two_runs(database_url: str, server: str) -> str:  # noqa: F811
    """The small city, checked twice (the weight fixed in between), in the database the
    running server reads; returns the server's origin."""
    store = open_store(database_url, Settings(database_url=database_url))
    try:
        with as_caller(store) as repo:
            world.build(repo)
            world.run_batch(repo)
            repo.update("Observation", "o1", world.heavy_weight(70))
            world.run_batch(repo)
    finally:
        store.engine.dispose()
    return server.removesuffix("/fhir")


def _open(browser: Browser, url: str) -> tuple[Page, list[str]]:
    context = browser.new_context(extra_http_headers=AUTH, locale="vi-VN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    response = page.goto(url)
    assert response is not None and response.status == 200, response and response.text()
    return page, problems


def test_scorecard_page_shows_rules_rates_trend_and_places(browser: Browser, two_runs: str) -> None:
    page, problems = _open(browser, f"{two_runs}/api/quality/scorecard.html")
    assert page.title() == "Chất lượng dữ liệu / Data quality"
    assert page.locator("h1").inner_text().startswith("Chất lượng dữ liệu: đúng – đủ – sạch – sống")
    headings = [h.split(" /")[0] for h in page.locator("h2").all_inner_texts()]
    assert headings == ["Theo quy tắc", "Xu hướng tỷ lệ không đạt", "Theo cơ sở", "Theo phường/xã"]
    assert "toàn thành phố" in page.locator("main > p").first.inner_text()

    rule_rows = page.locator("table").nth(0).locator("tbody tr")
    rows = {r.locator("td").nth(1).inner_text(): r.locator("td").all_inner_texts()
            for r in rule_rows.all()}  # fmt: skip
    assert rows["SACH-002"][0] == "Sạch / Clean"
    assert rows["SACH-002"][3:] == ["2", "1", "50,00 %"]
    assert rows["DUNG-005"][3:] == ["1", "0", "0,00 %"]

    trend = page.locator("table").nth(1)
    dates = trend.locator("thead th").all_inner_texts()[1:]
    assert len(dates) == 2 and all(DATE.fullmatch(d) for d in dates), dates
    trend_rows = {r.locator("td").first.inner_text(): r.locator("td").all_inner_texts()[1:]
                  for r in trend.locator("tbody tr").all()}  # fmt: skip
    assert trend_rows["DUNG-005"] == ["100,00 %", "0,00 %"]

    wards = page.locator("table").nth(3).locator("tbody tr").all()
    names = {w.locator("td").nth(1).inner_text(): w.locator("td").first.inner_text() for w in wards}
    assert names == {world.WARD_BEN_THANH: "Phường Bến Thành", world.WARD_SAI_GON: "Phường Sài Gòn"}
    assert world.FACILITY in page.locator("table").nth(2).inner_text()
    latest = page.locator("main > p").nth(1).inner_text()
    assert latest.startswith("Lần kiểm tra gần nhất") and DATE.search(latest)
    assert problems == []  # nothing refused by the Content-Security-Policy, no script errors
    # The stylesheet applied: the CSP hash matches the inline style.
    assert page.locator("table").first.evaluate("t => getComputedStyle(t).borderCollapse") == (
        "collapse"
    )


def test_ward_filter_through_the_form(browser: Browser, two_runs: str) -> None:
    page, problems = _open(browser, f"{two_runs}/api/quality/scorecard.html")
    page.fill("input[name=ward]", world.WARD_SAI_GON)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"ward=26740"))
    assert "Phường Sài Gòn (26740)" in page.locator("main > p").first.inner_text()
    codes = page.locator("table").first.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert "DUNG-001" in codes and "DUNG-005" not in codes  # the weight is in Bến Thành
    assert problems == []


def test_page_before_any_run_says_what_to_do(
    browser: Browser,
    server: str,  # noqa: F811
) -> None:
    page, _ = _open(browser, f"{server.removesuffix('/fhir')}/api/quality/scorecard.html")
    status = page.get_by_role("status").inner_text()
    assert "Chưa có lần kiểm tra nào" in status and "hoso quality run" in status


def test_bad_ward_in_the_page_url_is_a_400_outcome(browser: Browser, two_runs: str) -> None:
    context = browser.new_context(extra_http_headers=AUTH)
    response = context.request.get(f"{two_runs}/api/quality/scorecard.html?ward=12")
    assert response.status == 400
    assert response.json()["issue"][0]["expression"] == ["ward"]
    # A browser without a session is sent to the login form (and back afterwards).
    anonymous = browser.new_context().new_page()
    landed = anonymous.goto(f"{two_runs}/api/quality/scorecard.html")
    assert landed is not None and landed.status == 200
    assert "/auth/authorize" in anonymous.url and "client_id=hoso-web" in anonymous.url
    assert anonymous.title() == "Đăng nhập Hồ Sơ / Log in to Hồ Sơ"
    # A client that does not ask for HTML gets the API's 401 and a bare challenge.
    bare = httpx.get(f"{two_runs}/api/quality/scorecard.html")
    assert bare.status_code == 401 and bare.headers["www-authenticate"] == 'Bearer realm="hoso"'

