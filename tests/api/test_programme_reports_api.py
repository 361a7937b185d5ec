"""A programme's monthly report over HTTP (issue 19 point 7), by role: an officer any
ward or the city, a ward station its own ward (another ward 404 as nothing there, the
city 403), a resident 403; the MeasureReport validates, the .xlsx opens; a bad month or
ward is a 400 naming the field, an unknown programme 404; each read audited."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fhir.resources.R4B.measurereport import MeasureReport
from openpyxl import load_workbook

from hoso.access.publichealth_tracing import MappedStations
from hoso.programmes import registry
from hoso.store import schema
from hoso.store.sql_store import SqlStore
from tests.api.conftest import role_clients
from tests.callers import as_caller
from tests.programmes.world import (
    OTHER_STATION,
    OTHER_WARD,
    STATION,
    WARD,
    ToyBloodPressure,
    home,
    hypertension,
    recompute,
)

URL = "/api/programmes/reports/toy-bp"


@pytest.fixture
def caller(app: FastAPI, store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(registry, "PROGRAMMES", (ToyBloodPressure(),))
    app.state.ph_ward_stations = MappedStations({WARD: STATION, OTHER_WARD: OTHER_STATION})
    with as_caller(store) as repo:
        for n, ward in ((1, WARD), (2, WARD), (3, OTHER_WARD)):
            repo.create(hypertension(repo.create(home(n, ward)).stored.id))
    with as_caller(store) as operator:
        recompute(store, operator).everyone()
    with role_clients(app) as make:
        yield make


def test_an_officer_reads_a_ward_and_the_city(caller: Any, store: SqlStore) -> None:
    officer = caller("officer")
    ward = officer.get(URL, params={"month": "2026-11", "ward": WARD})
    assert ward.status_code == 200 and ward.headers["content-type"].startswith(
        "application/fhir+json"
    )
    MeasureReport.model_validate(ward.json())
    assert ward.json()["group"][0]["population"][0]["count"] == 2
    city = officer.get(URL, params={"month": "2026-11"}).json()
    assert city["group"][0]["population"][0]["count"] == 3
    sheet = officer.get(f"{URL}.xlsx", params={"month": "2026-11", "ward": WARD})
    assert (
        sheet.status_code == 200
        and "bao-cao-toy-bp-2026-11-" in sheet.headers["content-disposition"]
    )
    book = load_workbook(io.BytesIO(sheet.content))
    assert book.sheetnames == ["toy-bp"]
    with store.engine.connect() as conn:
        audited = conn.execute(sa.select(sa.func.count()).select_from(schema.audit_event)
                               .where(schema.audit_event.c.subtype == "programme-report")
                               ).scalar()  # fmt: skip
    assert audited == 3


def test_a_station_reads_its_own_ward_only(caller: Any) -> None:
    station = caller("clinician", facility=STATION)
    mine = station.get(URL, params={"month": "2026-11", "ward": WARD})
    assert mine.status_code == 200 and mine.json()["group"][0]["population"][0]["count"] == 2
    other = station.get(URL, params={"month": "2026-11", "ward": OTHER_WARD})
    nowhere = station.get(URL, params={"month": "2026-11", "ward": "99999"})
    assert other.status_code == nowhere.status_code == 404
    assert other.json() == nowhere.json()
    assert station.get(URL, params={"month": "2026-11"}).status_code == 403
    assert caller("resident", patient="x").get(URL, params={"month": "2026-11"}).status_code \
        == 403  # fmt: skip
    unstationed = caller("clinician", facility="79BV01")
    assert unstationed.get(URL, params={"month": "2026-11", "ward": WARD}).status_code == 403


@pytest.mark.parametrize(("url", "query", "status", "field"), [
    (URL, {"month": "2026-13"}, 400, "month"),
    (URL, {}, 400, "month"),
    (URL, {"month": "2026-11", "ward": "<x>"}, 400, "ward"),
    (f"{URL}.xlsx", {"month": "11/2026"}, 400, "month"),
    ("/api/programmes/reports/nope", {"month": "2026-11"}, 404, "nope"),
    ("/api/programmes/reports/" + "x" * 300, {"month": "2026-11"}, 404, "x"),
])  # fmt: skip
def test_bad_requests_name_the_field(caller: Any, url: str, query: dict[str, str],
                                     status: int, field: str) -> None:  # fmt: skip
    answer = caller("officer").get(url, params=query)
    assert answer.status_code == status, answer.text
    assert field in answer.text
