"""The `/warehouse/` pages (issue 20 point 7) in-process, on SQLite and PostgreSQL: an
officer sees the three groups and the health page (168 ward tiles coloured by the
indicator, the table behind them, the top diagnoses, one chart per indicator), and each
"Tải CSV" link serves exactly the rows drawn; others are refused, a browser without a
session goes to the login; bad choices are a 400/404 page; every page and download is
audited. The pages in Chromium: test_warehouse_browser.py."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import lxml.html
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.store import schema
from hoso.store.sql_store import SqlStore
from hoso.warehouse.indicators.source import StaticSource
from tests.api.conftest import bearer, role_clients
from tests.warehouse.exchange.fake_source import SAIGON, fake_source


@pytest.fixture
def caller(app: FastAPI) -> Iterator[Any]:
    app.state.warehouse_source = fake_source()
    with role_clients(app) as make:
        yield make


def _csv(client: TestClient, href: str) -> list[dict[str, str]]:
    answer = client.get(unescape(href))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(answer.text.removeprefix("\ufeff"))))


def _drawn(page: lxml.html.HtmlElement, figure: str) -> list[str]:
    """The bars of a chart (`figure`: an XPath) as "label: value", from each bar's title."""
    return [t.text_content() for t in page.xpath(f'{figure}//rect[@class="bar-onset"]/title')]


def _one(page: lxml.html.HtmlElement, xpath: str) -> lxml.html.HtmlElement:
    (found,) = page.xpath(xpath)
    return found


ROWS = '//table[@id="ward-table"]/tbody/tr'
TOP_FIGURE = '//h2[@id="top"]/following-sibling::figure[1]'


def test_the_officers_pages_and_their_csv(caller: Any, store: SqlStore) -> None:
    officer = caller("officer")
    home = officer.get("/warehouse/")
    assert home.status_code == 200
    links = re.findall(r'<li><a href="(/warehouse/[a-z]+/)"', home.text)
    assert links == ["/warehouse/health/", "/warehouse/supply/", "/warehouse/licences/"]
    answer = officer.get("/warehouse/health/")
    assert answer.status_code == 200, answer.text
    page = lxml.html.fromstring(answer.text)
    assert "Mắc bệnh theo chương ICD-10" in _one(page, '//h2[@id="map"]').text_content()
    assert "11/2026" in _one(page, '//h2[@id="map"]').text_content()  # the latest month
    tiles = page.xpath('//ol[@class="ward-grid"]/li')
    assert len(tiles) == 168
    name, value = './/span[@class="tile-name"]', './/span[@class="tile-value"]'
    saigon = [t for t in tiles if "Sài Gòn" in _one(t, name).text_content()]
    assert _one(saigon[0], value).text_content() == "66,7"  # 30 / 45,000 × 100,000
    ben_thanh = next(t for t in tiles if "Bến Thành" in t.text_content())
    # Two wards with a value: the higher one in the top fifth, the lower in a lower one.
    assert "r5" in saigon[0].get("class") and "r5" not in ben_thanh.get("class")
    assert sum("rn" in t.get("class") for t in tiles) == 166
    # The map's CSV: every tile, the same values the tiles and the table show.
    rows = _csv(officer, _one(page, '//a[@id="map-csv"]').get("href"))
    assert len(rows) == 168
    by_ward = {r["key"]: r for r in rows}
    assert by_ward[SAIGON]["value"] == "66.67" and by_ward[SAIGON]["numerator"] == "30"
    assert by_ward[SAIGON]["denominator"] == "45000"
    table = {tr.get("id"): [td.text_content() for td in tr.xpath("td")]
             for tr in page.xpath(ROWS)}  # fmt: skip
    assert table == {"w-26740": ["Phường Sài Gòn", "30", "45.000", "66,7"],
                     "w-26743": ["Phường Bến Thành", "6", "30.000", "20"]}  # fmt: skip
    assert [r["key"] for r in rows if r["value"]] == ["26740", "26743"]
    # Top diagnoses: the city's three codes, most first, drawn and downloaded alike.
    drawn = _drawn(page, TOP_FIGURE)
    top = _csv(officer, _one(page, '//a[@id="top-csv"]').get("href"))
    assert [r["key"] for r in top] == ["J06", "E11", "I10"]
    assert [r["numerator"] for r in top] == ["40", "31", "25"]
    assert drawn[:3] == [f"{r['label']}: {r['numerator']}" for r in top]
    # One chart per indicator; each chart's CSV is its bars.
    for code in ("morbidity-icd10-chapter", "immunisation-coverage", "visits",
                 "top-diagnoses"):  # fmt: skip
        figure = _one(page, f'//figure[@id="chart-{code}"]')
        bars = _drawn(page, f'//figure[@id="chart-{code}"]')
        data = _csv(officer, _one(figure, './figcaption/a').get("href"))
        shown = [b.rsplit(": ", 1) for b in bars]
        assert [label for label, _ in shown] == [r["label"] for r in data], code
        assert [float(v.replace(".", "").replace(",", ".")) for _, v in shown] == [
            float(r["value"]) for r in data], code
    chapters = _csv(officer, "/warehouse/health/indicators/morbidity-icd10-chapter.csv"
                             "?indicator=morbidity-icd10-chapter&period=2026-11")  # fmt: skip
    assert [(r["key"], r["value"]) for r in chapters] == [("IX", "16"), ("X", "32")]
    visits = _csv(officer, "/warehouse/health/indicators/visits.csv?period=2026-11")
    assert [(r["key"], r["value"]) for r in visits] == [("2026-10", "1100"), ("2026-11", "1234")]
    e = schema.audit_event
    with store.engine.connect() as conn:
        kinds = conn.execute(sa.select(e.c.subtype, sa.func.count()).where(
            e.c.subtype.in_(("warehouse-page", "warehouse-csv"))).group_by(e.c.subtype)).all()
    assert dict(kinds) == {"warehouse-page": 2, "warehouse-csv": 8}


def test_another_indicator_and_period_are_chosen(caller: Any) -> None:
    officer = caller("officer")
    october = officer.get("/warehouse/health/", params={"period": "2026-10"})
    page = lxml.html.fromstring(october.text)
    assert [tr.get("id") for tr in page.xpath(ROWS)] == ["w-26740"]
    coverage = lxml.html.fromstring(officer.get(
        "/warehouse/health/", params={"indicator": "immunisation-coverage"}).text)
    values = {tr.get("id"): tr.xpath("td")[-1].text_content()
              for tr in coverage.xpath(ROWS)}  # fmt: skip
    assert values == {"w-26740": "90"}  # Bến Thành's 0/0 is no value, not 0 %
    assert officer.get("/warehouse/health/", params={"indicator": "nope"}).status_code == 404
    assert officer.get("/warehouse/health/", params={"period": "2026-1"}).status_code == 400
    assert officer.get("/warehouse/health/indicators/nope.csv").status_code == 404


@pytest.mark.parametrize("role", ["resident", "clinician", "steward"])
def test_others_are_refused(caller: Any, role: str) -> None:
    client = caller(role, **({"facility": "79001"} if role == "clinician" else {}))
    for path in ("/warehouse/", "/warehouse/health/", "/warehouse/health/map.csv",
                 "/warehouse/health/top.csv", "/warehouse/health/indicators/visits.csv"):
        answer = client.get(path)
        assert answer.status_code == 403, (path, answer.status_code)
        assert "66,7" not in answer.text and "Sài Gòn" not in answer.text


def test_a_browser_without_a_session_goes_to_the_login(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        answer = anonymous.get("/warehouse/health/", follow_redirects=False,
                               headers={"Accept": "text/html"})  # a browser
        assert answer.status_code in (302, 303, 307)
        assert "/login" in answer.headers["location"]


def test_an_empty_warehouse_says_so(app: FastAPI) -> None:
    app.state.warehouse_source = StaticSource()
    headers = bearer(app, role="officer", scopes=("user/*.cruds",), subject="account:o")
    with TestClient(app, raise_server_exceptions=False, headers=headers) as officer:
        answer = officer.get("/warehouse/health/")
        assert answer.status_code == 200
        assert 'id="no-data"' in answer.text
        assert officer.get("/warehouse/health/map.csv").text.strip("\ufeff\n") == (
            "key,label,period,numerator,denominator,value,unit")


def test_hostile_names_are_text_not_markup_or_formulas(app: FastAPI) -> None:
    """A definition or a category option carrying markup or a spreadsheet formula (the
    values come from records and analyses): escaped on the page, defused in the CSV."""
    from hoso.warehouse.indicators.model import CITY, IndicatorDef, IndicatorValue

    evil = IndicatorDef("evil", '<script>alert(1)</script>"', "x", group=1, scale=1,
                        unit_vi="<b>u</b>", categories=("icd10",))  # fmt: skip
    app.state.warehouse_source = StaticSource([evil], [
        IndicatorValue("evil", "2026-11", CITY, "79", 3, None, {"icd10": "=HYPERLINK(1)"}),
        IndicatorValue("evil", "2026-11", CITY, "79", 2, None, {"icd10": "<img src=x>"})])
    headers = bearer(app, role="officer", scopes=("user/*.cruds",), subject="account:o")
    with TestClient(app, raise_server_exceptions=False, headers=headers) as officer:
        page = officer.get("/warehouse/health/", params={"period": "2026-11"})
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)" in page.text
        assert "<img src=x>" not in page.text and "<b>u</b>" not in page.text
        rows = _csv(officer, "/warehouse/health/top.csv?period=2026-11")
        assert [r["key"] for r in rows] == ["'=HYPERLINK(1)", "<img src=x>"]
        assert rows[0]["unit"] == "<b>u</b>"  # text in a CSV, not markup
