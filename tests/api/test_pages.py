"""What every person meets first (issue 15): the home page, errors a person can read
and the API's own errors, the offline API documentation, the operator's status page,
facility names beside their codes. In-process, both backends where a store is read."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access import claims as roles
from tests.api.conftest import FHIR_JSON, bearer

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def anonymous(app: FastAPI) -> TestClient:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


@pytest.mark.backend_independent
def test_the_home_page_without_a_session_says_what_this_is_and_how_to_log_in(
    anonymous: TestClient,
) -> None:
    page = anonymous.get("/", headers=HTML)
    assert page.status_code == 200 and '<html lang="vi">' in page.text
    assert 'href="/login"' in page.text and "Đăng nhập" in page.text
    english = anonymous.get("/?lang=en", headers=HTML)
    main = english.text[english.text.index("<main"):]
    assert '<html lang="en">' in english.text
    assert main.index("electronic health record") < main.index("hồ sơ sức khỏe điện tử")


@pytest.mark.backend_independent
def test_an_unknown_path_is_a_page_for_a_browser_and_an_outcome_for_a_client(
    anonymous: TestClient,
) -> None:
    page = anonymous.get("/khong-co", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert page.text.index("Không tìm thấy trang") < page.text.index("Page not found")
    assert 'id="home" href="/"' in page.text  # a way back
    outcome = anonymous.get("/khong-co")
    assert outcome.status_code == 404
    assert outcome.json()["issue"][0]["diagnostics"] == "Không có đường dẫn này / No such path"
    fhir = anonymous.get("/khong-co", headers={"Accept": "application/fhir+json"})
    assert fhir.json()["resourceType"] == "OperationOutcome"


@pytest.mark.backend_independent
def test_a_wrong_method_says_so_in_both_languages_and_keeps_allow(
    anonymous: TestClient,
) -> None:
    answer = anonymous.delete("/fhir/metadata")
    assert answer.status_code == 405
    message = answer.json()["issue"][0]["diagnostics"]
    assert message == "Không hỗ trợ thao tác này / Method not allowed"
    assert "GET" in answer.headers["allow"]


@pytest.mark.backend_independent
def test_no_token_is_a_bare_challenge_and_a_bad_token_names_the_error(
    anonymous: TestClient,
) -> None:
    missing = anonymous.get("/fhir/Patient")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="hoso"'  # RFC 6750 §3.1
    bad = anonymous.get("/fhir/Patient", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["www-authenticate"]


@pytest.mark.backend_independent
def test_a_browser_asking_the_api_without_a_token_gets_a_page_not_a_loop(
    anonymous: TestClient,
) -> None:
    page = anonymous.get("/fhir/Patient", headers=HTML)
    assert page.status_code == 401 and "Cần đăng nhập" in page.text  # the API needs a token
    assert "location" not in page.headers


@pytest.mark.backend_independent
def test_the_api_documentation_needs_nothing_from_the_internet(anonymous: TestClient) -> None:
    page = anonymous.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    for url in urls:
        assert anonymous.get(url).status_code == 200, url
    assert "http" not in page.headers["content-security-policy"]
    assert anonymous.get("/openapi.json").status_code == 200
    css = anonymous.get("/static/hoso.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


@pytest.mark.backend_independent
def test_the_demo_apps_return_address_explains_itself(anonymous: TestClient) -> None:
    page = anonymous.get("/demo/callback?code=abc&state=x", headers=HTML)
    assert page.status_code == 200 and "ứng dụng mẫu" in page.text
    assert 'href="/login"' in page.text and "abc" not in page.text


def test_the_status_page_is_for_operators_only(app: FastAPI, anonymous: TestClient) -> None:
    operator = anonymous.get("/status", headers={**HTML, **bearer(app)})
    assert operator.status_code == 200 and app.state.store.engine.dialect.name in operator.text
    clinician = bearer(app, role=roles.CLINICIAN, scopes=("user/*.rs",), facility="79001")
    refused = anonymous.get("/status", headers={**HTML, **clinician})
    assert refused.status_code == 403 and "Không được phép" in refused.text


def test_the_scorecard_shows_a_facility_code_with_its_name(
    app: FastAPI, client: TestClient, anonymous: TestClient
) -> None:
    org = {"resourceType": "Organization", "active": True, "name": "Bệnh viện Quận Tân Bình",
           "identifier": [{"system": app.state.settings.facility_system, "value": "79123"}]}
    assert client.post("/fhir/Organization", json=org, headers=FHIR_JSON).status_code == 201
    steward = bearer(app, role=roles.STEWARD, scopes=("user/*.cruds",))
    page = anonymous.get("/api/quality/scorecard.html?facility=79123",
                         headers={**HTML, **steward})  # fmt: skip
    assert page.status_code == 200
    assert "79123 — Bệnh viện Quận Tân Bình" in page.text
