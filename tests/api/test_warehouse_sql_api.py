"""`POST /api/warehouse/sql` over HTTP: officers get rows of the de-identified warehouse
(JSON or CSV); clinicians, residents and facility systems 403; a write, a file outside
the snapshot or a malformed body 400, never a 500; no warehouse yet 404."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from hoso.store.sql_store import SqlStore
from tests.api.conftest import role_clients
from tests.callers import as_caller
from tests.warehouse.city import builder, populate

URL = "/api/warehouse/sql"


@pytest.fixture
def caller(app: FastAPI, store: SqlStore, tmp_path: Path) -> Iterator[Any]:
    app.state.settings = replace(app.state.settings, warehouse_dir=str(tmp_path / "wh"))
    with as_caller(store) as repo:
        populate(repo)
        builder(repo, tmp_path / "wh").full()
    with role_clients(app, ("user/*.rs",)) as make:
        yield make


def test_an_officer_counts_encounters_by_ward(caller: Any) -> None:
    officer = caller("officer")
    sql = "SELECT ward, count(*) AS n FROM encounter GROUP BY ward ORDER BY ward"
    answer = officer.post(URL, json={"sql": sql})
    assert answer.status_code == 200, answer.text
    assert answer.json()["columns"] == ["ward", "n"]
    assert answer.json()["rows"] == [["26740", 2], ["26743", 1]]
    csv = officer.post(URL + "?format=csv", json={"sql": sql, "limit": 1})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == ["ward,n", "26740,2"]
    rows = officer.post(URL, json={"sql": "SELECT id FROM patient"}).json()["rows"]
    assert all(r[0].startswith("anon-") for r in rows)


@pytest.mark.parametrize("role", ["clinician", "resident", "facility-system", "steward"])
def test_other_roles_are_refused(caller: Any, role: str) -> None:
    answer = caller(role).post(URL, json={"sql": "SELECT 1"})
    assert answer.status_code == 403


@pytest.mark.parametrize("body", [
    {"sql": "COPY encounter TO 'x.csv'"},
    {"sql": "SELECT * FROM read_csv('/etc/passwd')"},
    {"sql": "SELECT 1; DROP VIEW patient"},
    {"sql": 42},
    {"sql": "SELECT 1", "limit": 10**9},
    {"sql": "SELECT 1", "limit": "10"},
    {"query": "SELECT 1"},
    {"sql": "SELECT 1 --" + "x" * 30_000},
    ["SELECT 1"],
])  # fmt: skip
def test_bad_questions_are_400_not_500(caller: Any, body: Any) -> None:
    answer = caller("officer").post(URL, json=body)
    assert answer.status_code in (400, 413), answer.text
    assert "OperationOutcome" in answer.text or answer.status_code == 413


def test_no_warehouse_is_404(caller: Any, app: FastAPI, tmp_path: Path) -> None:
    app.state.settings = replace(app.state.settings, warehouse_dir=str(tmp_path / "empty"))
    assert caller("officer").post(URL, json={"sql": "SELECT 1"}).status_code == 404
