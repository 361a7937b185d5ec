"""`/api/warehouse/supply` over HTTP: imports for one's own facility only (403 before
the body is read), a bad row is a 400 naming its line with nothing written, the tables
as JSON and as CSV downloads, residents refused, malformed input never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.warehouse.supply_world import FAC, OTHER, STAFF_CSV, facilities
from tests.warehouse.test_supply_equipment import DEVICES
from tests.warehouse.test_supply_ledger import RECEIPTS

BASE = "/api/warehouse/supply"
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def callers(app: FastAPI, store: SqlStore) -> Iterator[dict[str, TestClient]]:
    facilities(store)
    made = {
        "mine": bearer(app, role="clinician", scopes=("user/*.cruds",), facility=FAC),
        "theirs": bearer(app, role="clinician", scopes=("user/*.cruds",), facility=OTHER),
        "officer": bearer(app, role="officer", scopes=("user/*.rs",)),
        "resident": bearer(app, role="resident", scopes=("patient/*.rs",)),
    }
    clients = {k: TestClient(app, raise_server_exceptions=False, headers=h)
               for k, h in made.items()}  # fmt: skip
    yield clients
    for c in clients.values():
        c.close()


def test_imports_and_tables(callers: dict[str, TestClient]) -> None:
    mine, officer = callers["mine"], callers["officer"]
    url = f"{BASE}/facilities/{FAC}"
    first = mine.post(f"{url}/workforce", content=STAFF_CSV, headers=CSV)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 6
    assert mine.post(f"{url}/workforce", content=STAFF_CSV, headers=CSV).json()["created"] == 0
    assert mine.post(f"{url}/devices", content=DEVICES, headers=CSV).json()["created"] == 3
    assert mine.post(f"{url}/stock", content=RECEIPTS, headers=CSV).json()["added"] == 3
    adjusted = mine.post(f"{url}/adjustments", json={
        "drug": "VD-12345-19", "quantity": -5, "reason": "vỡ khi vận chuyển", "lot": "A2"})
    assert adjusted.status_code == 201, adjusted.text
    stock = officer.get(f"{BASE}/stock").json()
    amlo = next(r for r in stock["on_hand"] if r["drug"] == "VD-12345-19")
    assert amlo["on_hand"] == 345  # 150 + 200 − 5
    workforce = officer.get(f"{BASE}/workforce").json()
    assert {r["facility"] for r in workforce["facilities"]} == {FAC}
    download = officer.get(f"{BASE}/workforce.csv?table=wards")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    text = download.content.decode("utf-8")
    assert text.startswith("\ufeffward,profession,headcount,fte,residents,per_10000")
    assert "26740,doctor,2,1.5" in text
    assert callers["theirs"].get(f"{BASE}/stock").json()["on_hand"] == []  # not theirs


def test_refusals(callers: dict[str, TestClient]) -> None:
    mine, theirs = callers["mine"], callers["theirs"]
    url = f"{BASE}/facilities/{FAC}"
    assert theirs.post(f"{url}/workforce", content=STAFF_CSV, headers=CSV).status_code == 403
    assert callers["officer"].post(f"{url}/stock", content=RECEIPTS,
                                   headers=CSV).status_code == 403  # fmt: skip
    assert callers["resident"].get(f"{BASE}/workforce").status_code == 403
    assert callers["resident"].get(f"{BASE}/stock.csv").status_code == 403
    assert callers["resident"].get("/warehouse/supply/").status_code == 403  # the page too
    bad = mine.post(f"{url}/workforce", content=STAFF_CSV + "X,1234,Thợ,,,,\n".encode(),
                    headers=CSV)  # fmt: skip
    assert bad.status_code == 400 and "Dòng 5" in bad.text
    assert callers["officer"].get(f"{BASE}/workforce").json()["facilities"] == []
    assert mine.post(f"{url}/workforce", content=b"{}", headers={
        "Content-Type": "application/json"}).status_code == 415
    assert mine.post(f"{BASE}/facilities/x'y/workforce", content=STAFF_CSV,
                     headers=CSV).status_code == 400  # fmt: skip
    assert mine.post(f"{url}/payroll", content=STAFF_CSV, headers=CSV).status_code == 404
    assert mine.get(f"{BASE}/payroll").status_code == 404
    assert mine.get(f"{BASE}/stock.csv?table=secrets").status_code == 400
    huge = mine.post(f"{url}/stock", content=b"a" * (9 * 1024 * 1024), headers=CSV)
    assert huge.status_code == 413
    for body in ({"drug": "VD-1", "quantity": "x", "reason": "kiểm kê"}, [1, 2],
                 {"drug": "VD-12345-19", "quantity": 0, "reason": "kiểm kê"}):
        assert mine.post(f"{url}/adjustments", json=body).status_code == 400
