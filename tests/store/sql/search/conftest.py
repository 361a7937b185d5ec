"""Search test fixtures: `records` writes resources, `search` runs a query string."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import parse_qsl

import pytest
import sqlalchemy as sa

from hoso.core.settings import Settings
from hoso.fhir.repository import SearchPage
from hoso.fhir.search import parse_search
from hoso.store.sql.search.execute import execute_search
from hoso.store.sql_store import SqlStore


class Records:
    """Writes through the store's own write path (validation, history, index rows).

    References are not checked, so a test can point at resources it does not need.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.store = SqlStore(engine, Settings(database_url=str(engine.url)))

    def put(self, resource: dict[str, Any]) -> str:
        """Create or update `resource` under the id it carries."""
        with self.store.unit_of_work(check_references=False) as s:
            s.update(resource["resourceType"], resource["id"], resource)
        return str(resource["id"])

    def put_all(self, *resources: dict[str, Any]) -> None:
        for resource in resources:
            self.put(resource)

    def delete(self, resource_type: str, rid: str) -> None:
        with self.store.unit_of_work() as s:
            s.delete(resource_type, rid)


class Search(Protocol):
    def __call__(
        self, resource_type: str | None, query: str = "", *, cursor: str | None = None,
        default_count: int = 20, max_count: int = 1000, lenient: bool = False,
    ) -> SearchPage: ...


@pytest.fixture
def records(engine: sa.Engine) -> Records:
    return Records(engine)


@pytest.fixture
def search(engine: sa.Engine) -> Search:
    def run(
        resource_type: str | None, query: str = "", *, cursor: str | None = None,
        default_count: int = 20, max_count: int = 1000, lenient: bool = False,
    ) -> SearchPage:
        params = parse_qsl(query, keep_blank_values=True)
        parsed = parse_search(resource_type, params, lenient=lenient)
        with engine.begin() as conn:
            return execute_search(
                conn, parsed, cursor=cursor, default_count=default_count, max_count=max_count
            )

    return run


def ids(page: SearchPage) -> set[str]:
    return {hit.id for hit in page.matches}


def ordered_ids(page: SearchPage) -> list[str]:
    return [hit.id for hit in page.matches]

