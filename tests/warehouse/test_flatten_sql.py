"""The compiled path (views as DuckDB SQL, shaped in SQL) makes exactly the rows of the
Python runner, over a synthetic city loaded through the bulk importer — every table,
every column, de-identified the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoso.store.sql_store import SqlStore
from hoso.synth import generate
from hoso.warehouse.catalog import tables
from hoso.warehouse.snapshots import Warehouse
from tests.callers import as_caller, bulk_import
from tests.warehouse.city import builder, contents


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("warehouse-city")
    generate(60, 20, out, workers=1)
    return out


def test_compiled_and_python_paths_make_the_same_tables(store: SqlStore, city: Path,
                                                         tmp_path: Path) -> None:  # fmt: skip
    report = bulk_import(store, sorted(city.glob("*.ndjson")))
    assert not report.errors, report.errors[:3]
    with as_caller(store) as repo:
        fast = builder(repo, tmp_path / "sql")
        assert set(fast.compiled) == {s.name for s in tables()} - {"patient"}
        fast.full()
        builder(repo, tmp_path / "py", compiled=False).full()
    sql = contents(Warehouse(tmp_path / "sql").current())
    python = contents(Warehouse(tmp_path / "py").current())
    assert sum(len(rows) for rows in sql.values()) > 1000
    for name in sql:
        assert sql[name] == python[name], name
    # the synthetic city's encounters have wards and ICD-10 reasons
    encounters = sql["encounter"]
    assert all(r[-3] for r in encounters) and sum(1 for r in encounters if r[7]) > 100
