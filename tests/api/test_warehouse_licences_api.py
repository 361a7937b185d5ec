"""The licence routes in-process over the real app, on SQLite and PostgreSQL: the public
verification (no login, rate-limited, the same answer for an unknown and a withheld
number, 400 never 500 for hostile input), the officers' findings and expiring lists
(other roles refused, ids pseudonymised for officers), the page and its CSV files."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access import claims as roles
from hoso.access.repository import AccessRepository
from hoso.access.warehouse_licences import LicenceAccess
from hoso.api.app import create_app
from hoso.store.sql_store import SqlStore
from hoso.warehouse.licences.registry import import_file
from tests.api.conftest import bearer
from tests.warehouse.licence_world import CERTIFICATES, FACILITIES, SOURCE, plant_records

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def registry(repo: AccessRepository) -> dict[str, str]:
    from datetime import date

    for text, kind in ((CERTIFICATES, "certificates"), (FACILITIES, "facilities")):
        report = import_file(LicenceAccess(repo), text.encode(), kind, SOURCE, date(2026, 12, 1))
        assert report.ok, report.problems
    return plant_records(repo)


@pytest.fixture
def anonymous(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _as(app: FastAPI, role: str, **claims: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False,
                      headers=bearer(app, role=role, scopes=("user/*.rs",), **claims))  # fmt: skip


def test_anyone_can_verify_a_licence_without_logging_in(anonymous: TestClient,
                                                        registry: dict[str, str]) -> None:
    answer = anonymous.get("/api/licences/verify", params={"number": "000101/HCM-GPHN"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["found"], body["valid"], body["holder"]) == (True, True, "Nguyễn Văn An")
    assert body["scopes"] == ["Bác sĩ y khoa (đa khoa)"] and body["issuer"] == "Sở Y tế TP.HCM"
    assert (body["issued"], body["expires"]) == ("2024-03-01", "2029-02-28")
    assert (body["source"]["name"], body["source"]["date"]) == (SOURCE, "2026-12-01")
    expired = anonymous.get("/api/licences/verify?number=000103/HCM-GPHN").json()
    assert expired["found"] and not expired["valid"] and expired["reason"] == "het-han"
    hidden = anonymous.get("/api/licences/verify?number=000106/HCM-GPHN")
    unknown = anonymous.get("/api/licences/verify?number=000606/HCM-GPHN")
    assert hidden.status_code == unknown.status_code == 200
    strip = ("number",)
    assert ({k: v for k, v in hidden.json().items() if k not in strip}
            == {k: v for k, v in unknown.json().items() if k not in strip})  # fmt: skip
    assert hidden.headers["cache-control"] == "no-store"
    assert hidden.json()["source"] is None


@pytest.mark.parametrize("query", [
    "", "?number=", "?number=" + "9" * 20_000, "?number=%00abc", "?number=<script>alert(1)",
    "?number=a%27%20OR%201=1--", "?number=%E2%80%AE123", "?number=1&number=2" + "x" * 90,
])  # fmt: skip
def test_hostile_numbers_are_400_never_500(anonymous: TestClient, query: str) -> None:
    answer = anonymous.get("/api/licences/verify" + query)
    assert answer.status_code in (400, 414), answer.text
    page = anonymous.get("/licences/verify" + query) if query else None
    if page is not None:
        assert page.status_code in (400, 414)


def test_the_public_verification_is_rate_limited_per_address(store: SqlStore,
                                                             registry: dict[str, str]) -> None:
    settings = dataclasses.replace(store.settings, rate_limit_per_minute=60, rate_limit_burst=3)
    with TestClient(create_app(store, settings), raise_server_exceptions=False) as client:
        codes = [client.get("/api/licences/verify?number=000101/HCM-GPHN").status_code
                 for _ in range(5)]  # fmt: skip
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_the_verify_page_is_vietnamese_first(anonymous: TestClient,
                                             registry: dict[str, str]) -> None:
    page = anonymous.get("/licences/verify", params={"number": "000104/hcm-gphn"})
    assert page.status_code == 200
    assert "Còn hiệu lực hôm nay" in page.text and "Hoàng Thị Em" in page.text
    assert "Điều dưỡng" in page.text and "công khai 01/12/2026 (01/12/2026)" in page.text
    empty = anonymous.get("/licences/verify")
    assert empty.status_code == 200 and 'name="number"' in empty.text
    none = anonymous.get("/licences/verify?number=000106/HCM-GPHN")
    assert "Không tìm thấy" in none.text and "Đặng Văn Giang" not in none.text


def test_officers_get_the_findings_under_pseudonyms(app: FastAPI, registry: dict[str, str]
                                                    ) -> None:  # fmt: skip
    with _as(app, roles.OFFICER) as officer:
        answer = officer.get("/api/warehouse/licences/findings")
        assert answer.status_code == 200
        body = answer.json()
        assert body["total"] == 6
        reasons = sorted(f["reason"] for f in body["findings"])
        assert reasons == ["expired", "expired", "no-certificate", "out-of-scope",
                           "out-of-scope", "revoked"]  # fmt: skip
        shown = {f["resource"].split("/")[1] for f in body["findings"]}
        assert not shown & set(registry.values())
        since = officer.get("/api/warehouse/licences/findings?since=02/11/2026").json()
        assert since["total"] == 4
        assert officer.get("/api/warehouse/licences/findings?since=31/02/2026"
                           ).status_code == 400  # fmt: skip
        expiring = officer.get("/api/warehouse/licences/expiring?days=90").json()
        assert {"number": "000103/HCM-GPHN", "alert": "expired"}.items() <= next(
            r for r in expiring["licences"] if r["number"] == "000103/HCM-GPHN").items()
        assert officer.get("/api/warehouse/licences/expiring?days=abc").status_code == 400
        assert officer.get("/api/warehouse/licences/expiring?days=99999").status_code == 400
        assert officer.get("/api/warehouse/licences/findings?since=" + "1" * 5000
                           ).status_code == 400  # fmt: skip


def test_other_callers_are_refused_the_findings(app: FastAPI, anonymous: TestClient,
                                                registry: dict[str, str]) -> None:
    assert anonymous.get("/api/warehouse/licences/findings").status_code == 401
    for role, extra in ((roles.CLINICIAN, {"facility": "79001"}), (roles.RESIDENT, {}),
                        (roles.FACILITY_SYSTEM, {"facility": "79001"}), (roles.STEWARD, {})):
        with _as(app, role, **extra) as caller:
            assert caller.get("/api/warehouse/licences/findings").status_code == 403
            assert caller.get("/api/warehouse/licences/expiring").status_code == 403


def test_the_page_and_its_csv_files(client: TestClient, registry: dict[str, str]) -> None:
    page = client.get("/warehouse/licences/")
    assert page.status_code == 200, page.text
    assert "Giấy phép hành nghề và giấy phép hoạt động" in page.text
    assert "000103/HCM-GPHN" in page.text and "Ngoài phạm vi hành nghề" in page.text
    expiring = client.get("/warehouse/licences/expiring.csv?days=90")
    assert expiring.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(expiring.content.decode("utf-8-sig"))))
    assert ("000103/HCM-GPHN", "expired") in {(r["number"], r["alert"]) for r in rows}
    found = client.get("/warehouse/licences/findings.csv")
    rows = list(csv.DictReader(io.StringIO(found.content.decode("utf-8-sig"))))
    assert len(rows) == 6 and {r["resource"] for r in rows} >= {
        f"MedicationRequest/{registry['mr-nurse']}", f"Procedure/{registry['pr-expired']}"}
    assert client.get("/warehouse/licences/?days=-1").status_code == 400


def test_the_page_and_its_csv_are_for_officers_and_the_operator(
        app: FastAPI, anonymous: TestClient, registry: dict[str, str]) -> None:  # fmt: skip
    for path in ("/warehouse/licences/", "/warehouse/licences/findings.csv",
                 "/warehouse/licences/expiring.csv"):  # fmt: skip
        away = anonymous.get(path, follow_redirects=False, headers={"Accept": "text/html"})
        assert away.status_code == 303 and away.headers["location"].startswith("/login?next=")
        assert anonymous.get(path).status_code == 401  # not a browser: no redirect
        with _as(app, roles.CLINICIAN, facility="79001") as clinician:
            assert clinician.get(path).status_code == 403
        with _as(app, roles.OFFICER) as officer:
            assert officer.get(path).status_code == 200


def test_no_query_string_makes_the_licence_routes_fail(app: FastAPI) -> None:
    """Any text in any parameter of the JSON routes and the public page: an answer below
    500 (Hypothesis; the app's own fuzz test covers them too, through /openapi.json)."""
    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st

    officer = _as(app, roles.OFFICER)
    anonymous = TestClient(app, raise_server_exceptions=False)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @example("¹", ("/api/warehouse/licences/expiring", "days", True))  # a digit, not an int
    @example("٣", ("/api/warehouse/licences/expiring", "days", True))
    @given(st.text(max_size=300), st.sampled_from([
        ("/api/licences/verify", "number", False), ("/licences/verify", "number", False),
        ("/api/warehouse/licences/findings", "since", True),
        ("/api/warehouse/licences/expiring", "days", True)]))  # fmt: skip
    def fuzz(value: str, route: tuple[str, str, bool]) -> None:
        path, name, needs_officer = route
        answer = (officer if needs_officer else anonymous).get(path, params={name: value})
        assert answer.status_code < 500, (path, value, answer.text[:200])

    fuzz()
