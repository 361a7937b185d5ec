"""`/api/warehouse` (issue 20 point 6) over the real app, on SQLite and PostgreSQL: an
officer and the operator read the definitions, the values, the MeasureReports (a
searchset Bundle that validates) and the DHIS2 export (JSON, CSV, the unmapped report);
a resident, a clinician, a steward are refused 403 before anything is read; each read
is one audit entry naming no resident, a refusal one failure; bad input is a 400 naming
the field, an unknown or monstrous code a 404, never a 500; no source wired: empty."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from hoso.store import schema
from hoso.store.sql_store import SqlStore
from hoso.warehouse.exchange.dhis2_mapping import parse_mapping
from tests.api.conftest import bearer, role_clients
from tests.warehouse.exchange.fake_source import SAIGON, fake_source

URL = "/api/warehouse"


@pytest.fixture
def caller(app: FastAPI) -> Iterator[Any]:
    app.state.warehouse_source = fake_source()
    with role_clients(app) as make:
        yield make


def _audited(store: SqlStore, subtype: str) -> list[tuple[str, str, dict]]:
    e = schema.audit_event
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(e.c.outcome, e.c.role, e.c.content)
                            .where(e.c.subtype == subtype).order_by(e.c.seq)).all()  # fmt: skip
    return [(r.outcome, r.role, orjson.loads(r.content)) for r in rows]


def test_an_officer_reads_definitions_and_values(caller: Any, store: SqlStore) -> None:
    officer = caller("officer")
    found = officer.get(f"{URL}/indicators")
    assert found.status_code == 200
    codes = [d["code"] for d in found.json()["indicators"]]
    assert codes == ["morbidity-icd10-chapter", "immunisation-coverage", "visits",
                     "top-diagnoses"]  # fmt: skip
    morbidity = found.json()["indicators"][0]
    assert morbidity["measure"] == "https://hoso.vn/fhir/Measure/warehouse-morbidity-icd10-chapter"
    values = officer.get(f"{URL}/indicators/morbidity-icd10-chapter",
                         params={"period": "2026-11", "org": "ward"}).json()  # fmt: skip
    totals = {(v["org"], v["period"]): v for v in values["values"] if not v["categories"]}
    assert set(totals) == {(SAIGON, "2026-11"), ("26743", "2026-11")}
    saigon = totals[(SAIGON, "2026-11")]
    assert saigon["orgName"] == "Phường Sài Gòn"
    assert saigon["value"] == pytest.approx(30 / 45_000 * 100_000, abs=1e-4)
    every = officer.get(f"{URL}/indicators/morbidity-icd10-chapter").json()["values"]
    assert {v["period"] for v in every} == {"2026-10", "2026-11"}  # no period: all of them
    city = officer.get(f"{URL}/indicators/visits", params={"org": "city"}).json()["values"]
    assert sorted(v["value"] for v in city) == [1100, 1234]  # a count's value is the count
    audited = _audited(store, "warehouse-indicator")
    assert [(o, r) for o, r, _ in audited] == [("0", "officer")] * 3
    assert all("patient" not in str(c.get("entity")) for _, _, c in audited)
    assert "warehouse/indicator/morbidity-icd10-chapter" in str(audited[0][2])


def test_measure_reports_as_a_searchset_bundle(caller: Any) -> None:
    operator = caller("operator")
    answer = operator.get(f"{URL}/indicators/morbidity-icd10-chapter/$report",
                          params={"org": "ward"})  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/fhir+json")
    bundle = answer.json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "searchset" and bundle["total"] == 3
    reports = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
    assert [(r["subject"]["identifier"]["value"], r["period"]["start"]) for r in reports] == [
        (SAIGON, "2026-10-01"), (SAIGON, "2026-11-01"), ("26743", "2026-11-01")]
    assert reports[0]["subject"]["display"] == "Phường Sài Gòn"
    (included,) = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert included["resourceType"] == "Measure" and included["url"] == reports[0]["measure"]
    one = operator.get(f"{URL}/indicators/visits/$report",
                       params={"org": "facility", "period": "2026-11"}).json()  # fmt: skip
    assert one["total"] == 1
    assert one["entry"][0]["resource"]["reporter"]["identifier"]["value"] == "79001"


def test_the_dhis2_export_in_json_csv_and_its_report(app: FastAPI, caller: Any) -> None:
    app.state.warehouse_dhis2_mapping = parse_mapping({
        "format": "hoso-dhis2-mapping", "version": "t.2",
        "dataElements": {"immunisation-coverage": {"numerator": "CovNumer001",
                                                   "denominator": "CovDenom001"}},
        "orgUnits": {"ward": {SAIGON: "OuSaiGon001"}, "city": {"79": "OuHcmCity01"}}})
    officer = caller("officer")
    answer = officer.get(f"{URL}/dhis2", params={"period": "2026-11"})
    assert answer.status_code == 200
    assert answer.headers["x-mapping-version"] == "t.2"
    rows = answer.json()["dataValues"]
    assert {(r["dataElement"], r["orgUnit"], r["period"], r["value"]) for r in rows} == {
        ("CovNumer001", "OuSaiGon001", "202611", "90"),
        ("CovDenom001", "OuSaiGon001", "202611", "100"),
        ("CovNumer001", "OuHcmCity01", "202611", "90"),
        ("CovDenom001", "OuHcmCity01", "202611", "100")}
    # 16 values of November: coverage in Sài Gòn and the city placed, the other 14 listed.
    assert int(answer.headers["x-unmapped-values"]) == 14
    as_csv = officer.get(f"{URL}/dhis2", params={"period": "2026-11", "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "dhis2-2026-11.csv" in as_csv.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(as_csv.text)))
    assert table[0][:6] == ["dataelement", "period", "orgunit", "categoryoptioncombo",
                            "attributeoptioncombo", "value"]  # fmt: skip
    assert len(table) == 1 + len(rows)
    report = officer.get(f"{URL}/dhis2", params={"period": "2026-11",
                                                   "format": "report"}).json()  # fmt: skip
    assert report["dataValues"] == 4 and len(report["unmapped"]) == 14
    assert {"indicator": "immunisation-coverage", "period": "2026-11", "orgKind": "ward",
            "org": "26743", "categories": "", "reason": "org-unit"} in report["unmapped"]


@pytest.mark.parametrize("role", ["resident", "clinician", "steward", "dpo", "admin"])
def test_others_are_refused_before_anything_is_read(caller: Any, store: SqlStore,
                                                    role: str) -> None:  # fmt: skip
    extra = {"facility": "79001"} if role == "clinician" else {}
    client = caller(role, **extra)
    for path, params in ((f"{URL}/indicators", {}),
                         (f"{URL}/indicators/visits", {"org": "city"}),
                         (f"{URL}/indicators/no-such-thing", {}),  # the same 403: no hint
                         (f"{URL}/indicators/visits/$report", {}),
                         (f"{URL}/dhis2", {"period": "2026-11"})):  # fmt: skip
        answer = client.get(path, params=params)
        assert answer.status_code == 403, (path, answer.text)
        assert "Chỉ cán bộ y tế công cộng" in answer.text
    failures = [o for o, _, _ in _audited(store, "warehouse-indicator")]
    assert failures and all(o != "0" for o in failures)


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/indicators/visits", {"period": "2026-13"}, "period"),
    ("/indicators/visits", {"period": "11/2026"}, "period"),
    ("/indicators/visits", {"org": "district"}, "org"),
    ("/indicators/visits/$report", {"period": "x" * 5000}, "period"),
    ("/dhis2", {}, "period"),
    ("/dhis2", {"period": "2026-11", "format": "xml"}, "format"),
])  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(caller: Any, path: str,
                                             params: dict[str, str], field: str) -> None:
    answer = caller("officer").get(f"{URL}{path}", params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["issue"][0]["expression"] == [field]


@pytest.mark.parametrize(("code", "status"), [
    ("nothing-here", 404), ("x" * 3000, 404), ("UPPER", 404), ("..%2F..%2Fetc", 404),
    ("vis%00its", 400),  # the request guard's: a NUL in the URL
])  # fmt: skip
def test_an_unknown_code_is_a_404(caller: Any, code: str, status: int) -> None:
    answer = caller("officer").get(f"{URL}/indicators/{code}")
    assert answer.status_code == status, answer.text


def test_before_any_build_the_indicators_have_no_values_not_an_error(app: FastAPI) -> None:
    """The app's own source (the warehouse's current snapshot) with no snapshot yet."""
    headers = bearer(app, role="officer", scopes=("user/*.cruds",), subject="account:o")
    with TestClient(app, raise_server_exceptions=False, headers=headers) as client:
        listed = client.get(f"{URL}/indicators").json()["indicators"]
        assert "visits-per-resident" in {i["code"] for i in listed}
        values = client.get(f"{URL}/indicators/visits-per-resident")
        assert values.status_code == 200, values.text
        assert not values.json().get("values")
        assert client.get(f"{URL}/indicators/visits").status_code == 404
        empty = client.get(f"{URL}/dhis2", params={"period": "2026-11"})
        assert empty.json() == {"dataValues": []} and empty.headers["x-unmapped-values"] == "0"


def test_an_enormous_answer_asks_for_a_period(app: FastAPI) -> None:
    """More values than one answer holds: a 400 naming `period`, not a 100 MB body."""
    from hoso.api.warehouse_routes import MAX_VALUES
    from hoso.warehouse.indicators.model import CITY, IndicatorValue
    from hoso.warehouse.indicators.source import StaticSource
    from tests.warehouse.exchange.fake_source import VISITS

    many = [IndicatorValue("visits", f"{1000 + n // 12:04d}-{n % 12 + 1:02d}", CITY, "79", n)
            for n in range(MAX_VALUES + 1)]  # fmt: skip
    app.state.warehouse_source = StaticSource([VISITS], many)
    headers = bearer(app, role="officer", scopes=("user/*.cruds",), subject="account:o")
    with TestClient(app, raise_server_exceptions=False, headers=headers) as client:
        answer = client.get(f"{URL}/indicators/visits", params={"org": "city"})
        assert answer.status_code == 400
        assert answer.json()["issue"][0]["expression"] == ["period"]
        one = client.get(f"{URL}/indicators/visits", params={"org": "city", "period": "2000-01"})
        assert [v["value"] for v in one.json()["values"]] == [12_000]
