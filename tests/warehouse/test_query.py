"""Analysts' SQL over the warehouse: one read-only SELECT, nothing outside the snapshot,
a row limit and a time limit; who may ask, and the audit of every question."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoso.access.warehouse_queries import WarehouseQueries
from hoso.core.errors import Forbidden, InvalidRequest, ResourceNotFound
from hoso.store.sql_store import SqlStore
from hoso.warehouse.query import QueryRefused, run_query, snapshot_query
from hoso.warehouse.snapshots import Snapshot, Warehouse
from tests.callers import as_caller, audit_subtypes, staff
from tests.warehouse.city import builder, populate


@pytest.fixture
def snapshot(store: SqlStore, tmp_path: Path) -> Snapshot:
    with as_caller(store) as repo:
        populate(repo)
        builder(repo, tmp_path / "wh").full()
    found = Warehouse(tmp_path / "wh").current()
    assert found is not None
    return found


@pytest.mark.backend_independent
def test_a_select_over_the_tables_answers(snapshot: Snapshot) -> None:
    result = run_query(snapshot, "SELECT ward, count(*) AS n FROM encounter "
                                 "GROUP BY ward ORDER BY ward")  # fmt: skip
    assert result.columns == ["ward", "n"]
    assert result.rows == [("26740", 2), ("26743", 1)] and not result.truncated


@pytest.mark.backend_independent
@pytest.mark.parametrize("sql", [
    "COPY encounter TO 'out.csv'",
    "CREATE TABLE x AS SELECT 1",
    "INSERT INTO encounter SELECT * FROM encounter",
    "SELECT 1; SELECT 2",
    "SET enable_external_access = true",
    "INSTALL httpfs",
    "ATTACH '/tmp/other.db'",
    "PRAGMA version",
    "DROP VIEW encounter",
    "",
    "SELEKT nothing",
])  # fmt: skip
def test_anything_but_one_select_is_refused(snapshot: Snapshot, sql: str) -> None:
    with pytest.raises(QueryRefused):
        run_query(snapshot, sql)


@pytest.mark.backend_independent
@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_parquet('/tmp/**/*.parquet')",
])  # fmt: skip
def test_no_file_outside_the_snapshot_is_read(snapshot: Snapshot, sql: str) -> None:
    with pytest.raises(QueryRefused):
        run_query(snapshot, sql)


@pytest.mark.backend_independent
def test_rows_are_limited_and_a_long_query_is_stopped(snapshot: Snapshot) -> None:
    result = run_query(snapshot, "SELECT * FROM range(100)", limit=10)
    assert len(result.rows) == 10 and result.truncated
    with pytest.raises(QueryRefused, match="giây"):
        run_query(snapshot, "SELECT count(*) FROM range(1000000000000) a", timeout=0.5)
    with pytest.raises(QueryRefused, match="20000"):
        run_query(snapshot, "SELECT 1 -- " + "x" * 20_001)


def test_officers_and_the_operator_query_others_are_refused_all_audited(
    store: SqlStore, snapshot: Snapshot
) -> None:
    execute = snapshot_query(snapshot.root.parent.parent)
    with as_caller(store, staff("officer")) as officer:
        assert WarehouseQueries(officer, execute).run("SELECT count(*) FROM patient").rows == [
            (3,)]
        with pytest.raises(InvalidRequest, match="SELECT"):
            WarehouseQueries(officer, execute).run("DELETE FROM patient")
    for role in ("clinician", "resident", "steward", "facility-system"):
        with as_caller(store, staff(role)) as caller, pytest.raises(Forbidden):
            WarehouseQueries(caller, execute).run("SELECT 1")
    subtypes = audit_subtypes(store)
    assert subtypes.count("warehouse-query") == 2


def test_an_identified_snapshot_is_the_operators_only(store: SqlStore, tmp_path: Path) -> None:
    with as_caller(store) as repo:
        populate(repo)
        builder(repo, tmp_path / "wh", pseudonyms=False).full()
    execute = snapshot_query(tmp_path / "wh")
    with as_caller(store, staff("officer")) as officer, pytest.raises(ResourceNotFound):
        WarehouseQueries(officer, execute).run("SELECT id FROM patient")
    with as_caller(store, staff("officer")) as officer, pytest.raises(ResourceNotFound):
        WarehouseQueries(officer, snapshot_query(tmp_path / "none")).run("SELECT 1")
    with as_caller(store) as repo:
        rows = WarehouseQueries(repo, execute).run("SELECT id FROM patient ORDER BY id").rows
    assert rows == [("p1",), ("p2",), ("p3",)]
