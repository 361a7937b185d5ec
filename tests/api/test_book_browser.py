"""The health book in headless Chromium against a real server (issue 17, "how it will
be checked"): a synthetic resident logs in through the login form, sees every section
with the right counts, switches language, opens a chart, switches to her child's book
(WHO growth curves), makes a consent choice and files a request — each page seen at
390×844 and 1280×900, screenshots in var/screenshots (or $HOSO_SCREENSHOTS).

The pages are rendered by the same code on either database (the store behind them is
tested on both in test_book_pages.py), so this runs once, on SQLite."""

from __future__ import annotations

import os
import tarfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from hoso.access import claims as roles
from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.auth_services import build_auth
from hoso.assembly import open_store
from hoso.core.settings import DEFAULT_CCCD_SYSTEM, DEFAULT_FACILITY_SYSTEM, Settings
from hoso.store.auth_store import SqlAuthStore
from hoso.store.sql_store import SqlAuditLog
from tests.api.test_live import AUTH, server, server_process  # noqa: F401 (fixtures)
from tests.api.test_pages_browser import PASSWORD, SHOTS, WIDTHS, _check_fit, _log_in
from tests.builders.patient import patient
from tests.pdf_text import pdf_text

AXE = Path(os.environ.get("HOSO_AXE", ".cache/npm/axe-core-4.14.1.tgz"))
with tarfile.open(AXE) as _package:  # `make test` fetches it (npm pack), as the examples
    AXE_SOURCE = _package.extractfile("package/axe.min.js").read().decode()  # type: ignore[union-attr]
pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.backend_independent]
MOTHER_CCCD = "079185002468"
LOINC, CVX = "http://loinc.org", "http://hl7.org/fhir/sid/cvx"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"


def _post(base: str, resource: dict[str, Any]) -> str:
    made = httpx.post(f"{base}/{resource['resourceType']}", json=resource,
                      headers={"Content-Type": "application/fhir+json", **AUTH})  # fmt: skip
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _quantity(pid: str, code: str, value: float, unit: str, when: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                              "code": unit}}  # fmt: skip


def _pressure(pid: str, systolic: int, diastolic: int, when: str) -> dict[str, Any]:
    panel = _quantity(pid, "85354-9", 0, "mm[Hg]", when)
    del panel["valueQuantity"]  # a panel's values are its components
    return {**panel, "component": [{"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                           "valueQuantity": {"value": systolic, "unit": "mm[Hg]"}},
                          {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
                           "valueQuantity": {"value": diastolic, "unit": "mm[Hg]"}}]}  # fmt: skip


def _mother(base: str, org: str) -> str:
    """Five years of a woman with diabetes and hypertension: three episodes, readings."""
    pid = _post(base, patient(cccd=MOTHER_CCCD, family="Võ", given=("Thị", "Hạnh"),
                                gender="female", birth_date="1985-03-14"))  # fmt: skip
    for year, (sys_, dia, glucose, a1c, kg) in zip(range(2021, 2026), (
            (138, 88, 142, 7.4, 64.0), (135, 86, 131, 7.1, 63.2), (129, 83, 126, 6.9, 62.5),
            (126, 80, 118, 6.6, 61.8), (124, 79, 112, 6.4, 61.0)), strict=True):  # fmt: skip
        when = f"{year}-04-10T08:30:00+07:00"
        for resource in (_pressure(pid, sys_, dia, when),
                         _quantity(pid, "2345-7", glucose, "mg/dL", when),
                         _quantity(pid, "4548-4", a1c, "%", when),
                         _quantity(pid, "29463-7", kg, "kg", when)):  # fmt: skip
            _post(base, resource)
    for day, icd10, text in (("2022-04-10", "E11", "Đái tháo đường típ 2"),
                             ("2023-09-02", "I10", "Tăng huyết áp"),
                             ("2025-04-10", "J06", "Viêm họng cấp")):  # fmt: skip
        encounter = _post(base, {
            "resourceType": "Encounter", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": {"reference": f"Patient/{pid}"},
            "serviceProvider": {"reference": f"Organization/{org}"},
            "period": {"start": f"{day}T08:00:00+07:00",
                       "end": f"{day}T10:00:00+07:00"}})  # fmt: skip
        _post(base, {"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"},
                       "encounter": {"reference": f"Encounter/{encounter}"},
                       "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10",
                                            "code": icd10}], "text": text}})  # fmt: skip
    _post(base, {"resourceType": "AllergyIntolerance", "patient": {"reference": f"Patient/{pid}"},
                   "code": {"text": "Penicilin"}, "recordedDate": "2019-06-01"})  # fmt: skip
    return pid


def _child(base: str) -> str:
    """A two-year-old with weights and heights at her check-ups, and her BCG."""
    born = date.today() - timedelta(days=730)
    pid = _post(base, patient(cccd=None, family="Võ", given=("Bảo", "Ngọc"), gender="female",
                                birth_date=born.isoformat()))  # fmt: skip
    for months, kg, cm in ((0, 3.1, 49.5), (6, 7.2, 65.0), (12, 8.8, 73.5), (18, 10.0, 80.5)):
        when = (born + timedelta(days=int(months * 30.44))).isoformat()
        _post(base, _quantity(pid, "29463-7", kg, "kg", when))
        _post(base, _quantity(pid, "8302-2", cm, "cm", when))
    _post(base, {"resourceType": "Immunization", "status": "completed",
                   "vaccineCode": {"coding": [{"system": CVX, "code": "19"}]},
                   "patient": {"reference": f"Patient/{pid}"},
                   "occurrenceDateTime": born.isoformat()})  # fmt: skip
    _post(base, {"resourceType": "RelatedPerson", "patient": {"reference": f"Patient/{pid}"},
                   "identifier": [{"system": DEFAULT_CCCD_SYSTEM, "value": MOTHER_CCCD}],
                   "relationship": [{"coding": [{"code": "MTH", "system": ROLE_CODE}]}]})
    return pid


@pytest.fixture
def family(server: str, database_url: str) -> dict[str, Any]:  # noqa: F811
    origin = server.removesuffix("/fhir")
    org = _post(server, {"resourceType": "Organization", "name": "Bệnh viện Nhân dân Gia Định",
                         "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": "79010"}]})
    mother, child = _mother(server, org), _child(server)
    settings = Settings(database_url=database_url, public_base_url=origin)
    store = open_store(database_url, settings)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        accounts = build_auth(SqlAuthStore(store.engine), settings, trail).accounts
        accounts.create(MOTHER_CCCD, PASSWORD, roles.RESIDENT, patient_id=mother)
    finally:
        trail.close()
        store.engine.dispose()
    return {"origin": origin, "mother": mother, "child": child,
            "logins": {"resident": (MOTHER_CCCD, None)}}  # fmt: skip


def _both_widths(page: Page, label: str) -> None:
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        _check_fit(page, label)
        _check_accessible(page, f"{label}-{width}")


def _check_accessible(page: Page, label: str) -> None:
    """axe-core's WCAG 2.1 A and AA rules (contrast, labels, lang, names, landmarks'
    structure): no violation. Run through the DevTools protocol, which the pages' CSP
    (no script at all) does not govern."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE + "\n;0")
    found = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})).violations
        .map(v => [v.id, v.nodes.slice(0, 3).map(n => n.html.slice(0, 80))])""")
    assert found == [], f"{label}: {found}"


def test_a_resident_reads_her_book_and_her_childs(browser: Browser,
                                                  family: dict[str, Any]) -> None:  # fmt: skip
    origin, mother, child = family["origin"], family["mother"], family["child"]
    context, page = _log_in(browser, family, "resident")
    try:
        page.locator("#places a[href='/book']").click()
        page.wait_for_url(f"{origin}/book")  # two books: hers and her daughter's
        _both_widths(page, "book-choose")
        page.locator(f"#books a[href='/book/{mother}']").click()
        assert page.locator("#book-name").inner_text() == "Võ Thị Hạnh"
        counts = {key: page.locator(f"#h-{key} .count").inner_text()
                  for key in ("allergies", "conditions", "episodes", "vaccinations")}  # fmt: skip
        assert counts == {"allergies": "(1)", "conditions": "(0)", "episodes": "(3)",
                          "vaccinations": "(0)"}  # fmt: skip
        assert "E11 Bệnh đái tháo đường" in page.locator("#section-episodes").inner_text()
        for chart in ("blood_pressure", "glucose", "hba1c", "weight"):
            assert page.locator(f"#chart-{chart} svg").is_visible(), chart
        page.locator("#chart-hba1c summary").click()  # the chart's values, as a table
        assert page.locator("#chart-hba1c table").is_visible()
        assert "6,4" in page.locator("#chart-hba1c table").inner_text()
        _both_widths(page, "book")
        page.locator("#switch-lang").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("#h-episodes").inner_text().startswith("Episodes of care")
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(_shot("book-en-390")), full_page=True)
        page.locator("#switch-lang").click()
        page.wait_for_load_state()
        # By keyboard alone: the skip link first, then Tab to the first episode, Enter.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("!!document.activeElement.closest('#section-episodes')"):
                break
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Bệnh viện Nhân dân Gia Định" in page.locator("#episode-facility").inner_text()
        _both_widths(page, "book-episode")
        with page.expect_download() as got:  # the episode as the Ministry's PDF
            page.locator("#episode-pdf").click()
        got.value.save_as(_shot("book-episode").with_suffix(".pdf"))  # for a person to read
        printed = " ".join(pdf_text(got.value.path()).split())  # lines wrap at the page end
        assert "Võ Thị Hạnh" in printed and "Bệnh viện Nhân dân Gia Định" in printed
        assert "J06 Nhiễm trùng đường hô hấp trên" in printed
        page.goto(f"{origin}/book/{child}")
        assert page.locator("#chart-growth_weight svg").is_visible()
        assert page.locator("#chart-growth_height svg").is_visible()
        assert page.locator("#next-due li").count() >= 1  # the schedule's next doses
        _both_widths(page, "book-child")
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        context.close()


def test_a_resident_manages_consent_and_requests(browser: Browser,
                                                 family: dict[str, Any]) -> None:  # fmt: skip
    origin, mother = family["origin"], family["mother"]
    context, page = _log_in(browser, family, "resident")
    try:
        page.goto(f"{origin}/book/{mother}/consent")
        page.locator("#sharing-off").click()
        page.wait_for_url(f"{origin}/book/{mother}/consent")
        assert page.locator("#choices").count() == 1, page.content()[-3000:]
        assert "Không chia sẻ hồ sơ lên" in page.locator("#choices").inner_text()
        # Her record's facility, named by the episodes' provider, is one she may block.
        assert "Bệnh viện Nhân dân Gia Định" in page.locator("#facility").inner_text()
        page.locator("#label").select_option("PSY")
        page.locator("#hide").click()
        page.wait_for_url(f"{origin}/book/{mother}/consent")
        assert page.locator("#choices li").count() == 2
        _both_widths(page, "book-consent")
        page.goto(f"{origin}/book/{mother}/requests")
        page.locator("#kind").select_option("access")
        page.fill("#description", "Tôi muốn tải toàn bộ hồ sơ")
        page.locator("#file-request").click()
        page.wait_for_url(f"{origin}/book/{mother}/requests")
        assert "Tôi muốn tải toàn bộ hồ sơ" in page.locator("#requests").inner_text()
        _both_widths(page, "book-requests")
        page.goto(f"{origin}/book/{mother}/access")
        assert page.locator("#access-log tbody tr").count() >= 1
        _both_widths(page, "book-access")
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        context.close()


def _shot(label: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{label}.png"


def test_a_share_link_is_made_opened_and_revoked(browser: Browser,
                                                 family: dict[str, Any]) -> None:  # fmt: skip
    """The resident makes a QR link to two sections; a doctor opens it with no account;
    the resident sees it was opened, revokes it, and the link answers 410."""
    origin, mother = family["origin"], family["mother"]
    context, page = _log_in(browser, family, "resident")
    stranger = browser.new_context(locale="vi-VN")  # the doctor's phone: no account
    try:
        page.goto(f"{origin}/book/{mother}/share")
        _both_widths(page, "book-share")
        for key in page.locator("#new-link input[name=section]").all():
            if key.get_attribute("value") not in ("allergies", "episodes"):
                key.uncheck()
        page.locator("#create").click()
        assert page.locator("#qr svg").is_visible()
        url = page.locator("#share-url").input_value()
        _both_widths(page, "book-share-created")
        doctor = stranger.new_page()
        opened = doctor.goto(url)
        assert opened is not None and opened.status == 200
        text = doctor.locator("main").inner_text()
        assert "Penicilin" in text and "Bệnh viện Nhân dân Gia Định" in text
        assert "HbA1c" not in text  # only the sections she chose
        doctor.set_viewport_size({"width": 390, "height": 844})
        doctor.screenshot(path=str(_shot("share-view-390")), full_page=True)
        page.goto(f"{origin}/book/{mother}/share")
        row = page.locator("#links tbody tr").first
        assert "1" in row.inner_text()  # opened once
        row.locator("button[id^=revoke-]").click()
        page.wait_for_url(f"{origin}/book/{mother}/share")
        assert page.locator("#no-links").is_visible()
        gone = doctor.goto(url)
        assert gone is not None and gone.status == 410
        doctor.screenshot(path=str(_shot("share-revoked-390")), full_page=True)
        guessed = doctor.goto(url[:-6] + "AAAAAA")
        assert guessed is not None and guessed.status == 404
    finally:
        stranger.close()
        context.close()
