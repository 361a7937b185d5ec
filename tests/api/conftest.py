"""In-process API client over the real app and a real database (both backends)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from hoso.access.claims import OPERATOR
from hoso.access.principal import Principal
from hoso.api.app import create_app
from hoso.store.sql_store import SqlStore

if TYPE_CHECKING:
    from tests.api.access_world import World

FHIR_JSON = {"Content-Type": "application/fhir+json"}
CHROMIUM = "/usr/bin/chromium"


def bearer(
    app: FastAPI,
    *,
    role: str = OPERATOR,
    scopes: tuple[str, ...] = ("system/*.*",),
    **claims: str | None,
) -> dict[str, str]:
    """An Authorization header with a token the app's own key signed."""
    token = app.state.tokens.issue(
        subject=claims.pop("subject", None) or f"test:{role}",
        role=role,
        scopes=scopes,
        client_id=claims.pop("client_id", None) or "tests",
        **claims,
    )
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def role_clients(app: FastAPI, scopes: tuple[str, ...] = ("user/*.cruds",)
                 ) -> Iterator[Callable[..., TestClient]]:  # fmt: skip
    """`make(role, **claims)` → a client acting as a new account of that role (a token
    the app signed); every client is closed when the block ends."""
    clients: list[TestClient] = []

    def make(role: str, **claims: Any) -> TestClient:
        headers = bearer(app, role=role, scopes=scopes,
                         subject=f"account:{role}-{len(clients)}", **claims)  # fmt: skip
        clients.append(TestClient(app, raise_server_exceptions=False, headers=headers))
        return clients[-1]

    try:
        yield make
    finally:
        for client in clients:
            client.close()


def principal_of(app: FastAPI, authorization: str) -> Principal:
    """The `Principal` the app makes of an `Authorization` header value."""
    tokens = app.state.tokens
    claims = tokens.verify(authorization.removeprefix("Bearer "), tokens.audience)
    return app.state.principals.resolve(claims)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium (Playwright), one per test module."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def app(store: SqlStore) -> FastAPI:
    return create_app(store, store.settings)


@pytest.fixture
def operator_authorization(app: FastAPI) -> str:
    """The operator's header value (`hoso token --scope system/*.*`): every record."""
    return bearer(app)["Authorization"]


@pytest.fixture
def client(app: FastAPI, operator_authorization: str) -> Iterator[TestClient]:
    """A client acting as the operator, for tests of FHIR behaviour; the access tests
    use `as_role` clients instead."""
    with TestClient(
        app, raise_server_exceptions=False, headers={"Authorization": operator_authorization}
    ) as c:
        yield c


def create(client: TestClient, resource: dict) -> dict:
    """POST a resource and return what the server stored (asserting 201)."""
    response = client.post(f"/fhir/{resource['resourceType']}", json=resource, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return response.json()


def create_id(client: TestClient, resource: dict) -> str:
    return create(client, resource)["id"]


@pytest.fixture
def world(app: FastAPI, client: TestClient) -> Iterator[World]:
    """The residents, facilities and records of tests/api/access_world.py."""
    from tests.api.access_world import build_world  # it imports this module

    w = build_world(app, client)
    yield w
    for c in w.clients:
        c.close()
