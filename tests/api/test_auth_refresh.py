"""Refresh tokens rotate on every use; a reused one revokes its family. RFC 7009 revocation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access import claims as roles
from hoso.core.errors import Unauthorized
from hoso.store import auth_schema
from hoso.store.sql_store import SqlStore
from tests.builders.auth import (
    APP_ID,
    AuditRecorder,
    auth_app,
    client_assertion,
    client_credentials_form,
    facility_key,
    log_in,
    public_jwks,
    register_app,
)

CCCD = "079090001234"
PASSWORD = "mat-khau-rat-dai-2026"
FHIR = "http://testserver/fhir"
TOKEN_URL = "http://testserver/auth/token"


@pytest.fixture
def recorder() -> AuditRecorder:
    return AuditRecorder()


@pytest.fixture
def site(store: SqlStore, recorder: AuditRecorder) -> FastAPI:
    app = auth_app(store, recorder)
    register_app(app.state.auth)
    app.state.auth.accounts.create(CCCD, PASSWORD, roles.RESIDENT, patient_id="bn-1")
    return app


@pytest.fixture
def http(site: FastAPI) -> Iterator[TestClient]:
    with TestClient(site, raise_server_exceptions=False) as c:
        yield c


def refresh(http: TestClient, token: str, **extra: str) -> dict:
    response = http.post(
        "/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": token, "client_id": APP_ID, **extra},
    )
    return response.json() | {"status": response.status_code}


def is_revoked(site: FastAPI, access_token: str) -> bool:
    try:
        site.state.tokens.verify(access_token, FHIR)
    except Unauthorized as exc:
        return "revoked" in exc.message
    return False


def test_refresh_rotates_the_token(http: TestClient, site: FastAPI, store: SqlStore) -> None:
    first = log_in(http, CCCD, PASSWORD)
    second = refresh(http, first["refresh_token"])
    assert second["status"] == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert second["patient"] == "bn-1"
    assert site.state.tokens.verify(second["access_token"], FHIR).patient == "bn-1"
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(auth_schema.refresh_token.c.token_hash)).scalars().all()
    assert first["refresh_token"] not in stored and len(stored[0]) == 64  # hashes only


def test_reused_refresh_token_revokes_the_whole_family(
    http: TestClient, site: FastAPI, recorder: AuditRecorder
) -> None:
    first = log_in(http, CCCD, PASSWORD)
    second = refresh(http, first["refresh_token"])
    stolen = refresh(http, first["refresh_token"])  # an attacker replays the old one
    assert (stolen["status"], stolen["error"]) == (400, "invalid_grant")
    assert "whole login session has been revoked" in stolen["error_description"]
    assert refresh(http, second["refresh_token"])["error"] == "invalid_grant"
    assert is_revoked(site, first["access_token"])
    assert is_revoked(site, second["access_token"])
    refused = [e for e in recorder.of("token") if e.outcome != "0"]
    assert any("reused" in (e.description or "") for e in refused)


def test_scope_can_narrow_but_not_widen(http: TestClient) -> None:
    first = log_in(http, CCCD, PASSWORD, scope="openid patient/*.rs")
    narrower = refresh(http, first["refresh_token"], scope="patient/Observation.rs")
    assert narrower["scope"] == "patient/Observation.rs"
    wider = refresh(http, narrower["refresh_token"], scope="patient/*.cruds")
    assert wider["error"] == "invalid_scope"


def test_refresh_token_is_bound_to_its_client(http: TestClient, site: FastAPI) -> None:
    site.state.auth.clients.register_public(
        client_id="ung-dung-khac",
        name="Ứng dụng khác",
        redirect_uris=["https://khac.example.vn/cb"],
        scopes="openid patient/*.rs",
    )
    first = log_in(http, CCCD, PASSWORD)
    other = refresh(http, first["refresh_token"], client_id="ung-dung-khac")
    assert other["error"] == "invalid_grant"
    assert refresh(http, first["refresh_token"])["status"] == 200  # left untouched


def test_revoking_a_refresh_token_ends_the_login(http: TestClient, site: FastAPI) -> None:
    tokens = log_in(http, CCCD, PASSWORD)
    response = http.post(
        "/auth/revoke",
        data={
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": APP_ID,
        },
    )
    assert response.status_code == 200
    assert refresh(http, tokens["refresh_token"])["error"] == "invalid_grant"
    assert is_revoked(site, tokens["access_token"])


def test_revoking_an_access_token(http: TestClient, site: FastAPI, recorder: AuditRecorder) -> None:
    tokens = log_in(http, CCCD, PASSWORD)
    assert not is_revoked(site, tokens["access_token"])
    response = http.post(
        "/auth/revoke", data={"token": tokens["access_token"], "client_id": APP_ID}
    )
    assert response.status_code == 200
    assert is_revoked(site, tokens["access_token"])
    assert recorder.of("revoke")[0].description == "access token revoked"


def test_facility_system_revokes_its_own_token(http: TestClient, site: FastAPI) -> None:
    key = facility_key()
    client = site.state.auth.clients.register_system(
        facility="79001", scopes="system/*.rs", jwks=public_jwks(key)
    )
    token = http.post(
        "/auth/token",
        data=client_credentials_form(client_assertion(key, client.client_id, TOKEN_URL)),
    ).json()["access_token"]
    response = http.post(
        "/auth/revoke",
        data={
            "token": token,
            "client_assertion_type": client_credentials_form("")["client_assertion_type"],
            "client_assertion": client_assertion(key, client.client_id, TOKEN_URL),
        },
    )
    assert response.status_code == 200
    assert is_revoked(site, token)


def test_revocation_edge_cases(http: TestClient, site: FastAPI) -> None:
    unknown = http.post("/auth/revoke", data={"token": "khong-phai-token", "client_id": APP_ID})
    assert unknown.status_code == 200  # RFC 7009 §2.2: nothing to say
    others = site.state.auth.tokens.issue(
        subject="client:cs-1", role=roles.FACILITY_SYSTEM, scopes=("system/*.rs",), client_id="cs-1"
    )
    refused = http.post("/auth/revoke", data={"token": others, "client_id": APP_ID})
    assert (refused.status_code, refused.json()["error"]) == (400, "unauthorized_client")
    assert not is_revoked(site, others)
    missing = http.post("/auth/revoke", data={"client_id": APP_ID})
    assert missing.json()["error"] == "invalid_request"
    anonymous = http.post("/auth/revoke", data={"token": others})
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "invalid_client")
