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


def create(client: TestClient, resource: dict) -> dict:
    """POST a resource and return what the server stored (asserting 201)."""
    response = client.post(f"/fhir/{resource['resourceType']}", json=resource, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return response.json()


def create_id(client: TestClient, resource: dict) -> str:
    return create(client, resource)["id"]
