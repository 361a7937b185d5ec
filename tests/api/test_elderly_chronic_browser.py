"""The elderly and chronic-disease parts of the programme pages in headless Chromium
(Debian's, through Playwright) at phone and desktop width: the register of dependent
and bedridden older people, and a resident's view with the ICOPE domains, the blood
pressure readings and the forms; nothing off-screen, Vietnamese first, controls big
enough to touch, axe-core's WCAG 2.1 AA rules; screenshots in var/screenshots.

Requests are answered in process by the app (`page.route` → TestClient); the reads
behind the pages run on both databases in test_elderly_register_routes.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from hoso.store.sql_store import SqlStore
from tests.api.test_elderly_register_routes import World
from tests.api.test_publichealth_tracing_browser import ORIGIN, WIDTHS, _check, _served_by
from tests.programmes.world import STATION

pytestmark = [pytest.mark.browser, pytest.mark.backend_independent]
FORM = "https://hoso.vn/fhir/Questionnaire/"
SCREEN = {"cog-recall": 2, "cog-date": True, "cog-place": True, "mob-chair-seconds": 17.5,
          "nut-weight-loss": False, "nut-appetite": False, "vis-problem": True,
          "hear-whisper": True, "dep-down": False, "dep-interest": False}  # fmt: skip


@pytest.fixture
def world(app: FastAPI, client: TestClient, store: SqlStore) -> Iterator[World]:
    made = World(app, client, store)
    yield made
    for c in made.clients:
        c.close()


def test_the_register_and_the_residents_view_at_both_widths(browser: Browser,
                                                            world: World) -> None:  # fmt: skip
    nurse = world.as_("clinician", subject="account:tyt-a", facility=STATION)
    mine = world.ids["mine"]
    visits = (("icope-step1", SCREEN),
              ("elderly-health-check", {"bp-systolic": 152, "bp-diastolic": 94,
                                        "dependent": True, "bedridden": True}),
              ("hypertension-visit", {"bp-systolic": 148, "bp-diastolic": 90}))  # fmt: skip
    for form, answers in visits:
        made = nurse.post(f"/api/programmes/patients/{mine}/visits",
                          json={"form": FORM + form, "answers": answers})  # fmt: skip
        assert made.status_code == 201, made.text
    world.recompute()
    for width, height in WIDTHS:
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _served_by(nurse))
        page.goto(f"{ORIGIN}/programmes/elderly/register")
        assert page.locator("#register tbody tr").count() == 1
        assert "Nằm liệt giường" in page.locator("#register").inner_text()
        _check(page, "elderly-register")
        page.locator("#register a.action").first.click()
        page.wait_for_url(f"**/programmes/patients/{mine}")
        assert page.locator("#icope-domains li").count() == 6
        assert page.locator("#icope-domains .bad").count() == 3  # cognition, mobility, vision
        assert page.locator("#bp-trend li").count() == 2
        assert "Nằm liệt giường" in page.locator("#dependency").inner_text()
        _check(page, "elderly-resident")
        context.close()
