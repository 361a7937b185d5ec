"""In-process API client over the real app and a real database (both backends)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hoso.api.app import create_app
from hoso.store.sql_store import SqlStore

FHIR_JSON = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def client(store: SqlStore) -> Iterator[TestClient]:
    with TestClient(create_app(store, store.settings), raise_server_exceptions=False) as c:
        yield c
