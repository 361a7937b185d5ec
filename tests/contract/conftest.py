"""The store contract suite's fixtures: `contract_store`, a `hoso.fhir.store.Store`, and
`jobs`, its `hoso.fhir.jobs.JobTable`.

The tests reach the store only through the contract (`Store`, `Session` and the tables
hanging off it), never SQL, so any implementation proves itself by passing them. Each
implementation is one entry of `IMPLEMENTATIONS`: a factory of its store, given the
fixture request, and one of its job table, given that store. Today there is one, the SQL
store (the root conftest's `store`: a fresh migrated database with production's hooks,
the MPI on every Patient create and the identifier and data-quality rules on writes),
and it runs on every backend of the root `database_url` fixture (SQLite, and PostgreSQL
when HOSO_TEST_DATABASE_URL is set). An in-memory or a sharded store would add itself as

    IMPLEMENTATIONS["memory"] = Implementation(store=lambda request: MemoryStore(...),
                                               jobs=lambda store: MemoryJobs())

`contract_store` names `database_url` in its signature so that pytest parametrizes every
test by backend (a fixture asked for by name at run time, as the SQL factory asks for
`store`, cannot add parameters); an implementation without a database ignores it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from hoso.fhir.jobs import JobTable
from hoso.fhir.store import Store
from hoso.store.jobs import SqlJobs
from hoso.store.sql_store import SqlStore


@dataclass(frozen=True)
class Implementation:
    """How the suite builds one store implementation and its job table."""

    store: Callable[[pytest.FixtureRequest], Store]
    jobs: Callable[[Store], JobTable]


def _sql_store(request: pytest.FixtureRequest) -> Store:
    store: SqlStore = request.getfixturevalue("store")
    return store


def _sql_jobs(store: Store) -> JobTable:
    assert isinstance(store, SqlStore)
    return SqlJobs(store.engine)


IMPLEMENTATIONS: dict[str, Implementation] = {
    "sql": Implementation(store=_sql_store, jobs=_sql_jobs),
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def implementation(request: pytest.FixtureRequest) -> Implementation:
    """One store implementation under test (a test runs once for each)."""
    return IMPLEMENTATIONS[request.param]


@pytest.fixture
def contract_store(
    request: pytest.FixtureRequest, implementation: Implementation, database_url: str
) -> Store:
    """The store under test, empty."""
    del database_url  # only for the backend parametrization (see the module docstring)
    return implementation.store(request)


@pytest.fixture
def jobs(implementation: Implementation, contract_store: Store) -> JobTable:
    """The bulk jobs' table of the store under test."""
    return implementation.jobs(contract_store)
