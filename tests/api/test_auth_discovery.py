"""Discovery: SMART configuration, OpenID provider metadata, JWKS, CapabilityStatement security."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.api.auth_routes import security_block
from hoso.store.sql_store import SqlStore
from tests.builders.auth import AuditRecorder, auth_app

# Headers, discovery and the in-process limiter: nothing the database decides.
pytestmark = pytest.mark.backend_independent


@pytest.fixture
def site(store: SqlStore) -> FastAPI:
    return auth_app(store, AuditRecorder())


@pytest.fixture
def http(site: FastAPI) -> Iterator[TestClient]:
    with TestClient(site, raise_server_exceptions=False) as c:
        yield c


def test_smart_configuration(http: TestClient) -> None:
    response = http.get("/fhir/.well-known/smart-configuration")
    assert response.status_code == 200
    config = response.json()
    assert config["issuer"] == "http://testserver"
    assert config["token_endpoint"] == "http://testserver/auth/token"
    assert config["authorization_endpoint"] == "http://testserver/auth/authorize"
    assert config["revocation_endpoint"] == "http://testserver/auth/revoke"
    assert config["jwks_uri"] == "http://testserver/auth/jwks"
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert {"ES384", "RS384"} <= set(config["token_endpoint_auth_signing_alg_values_supported"])
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["response_types_supported"] == ["code"]
    assert {"client_credentials", "authorization_code"} <= set(config["grant_types_supported"])
    assert {"permission-v2", "client-confidential-asymmetric", "launch-standalone"} <= set(
        config["capabilities"]
    )
    assert "system/*.cruds" in config["scopes_supported"]


def test_openid_configuration_and_jwks(http: TestClient) -> None:
    config = http.get("/.well-known/openid-configuration").json()
    assert config["issuer"] == "http://testserver"
    assert config["id_token_signing_alg_values_supported"] == ["ES256"]
    assert config["subject_types_supported"] == ["public"]
    jwks = http.get(config["jwks_uri"].removeprefix("http://testserver"))
    assert jwks.headers["content-type"].startswith("application/jwk-set+json")
    [key] = jwks.json()["keys"]
    assert key["kty"] == "EC" and key["alg"] == "ES256" and "d" not in key


def test_capability_statement_security_block(site: FastAPI) -> None:
    block = security_block(site)
    [service] = block["service"]
    assert service["coding"][0]["code"] == "SMART-on-FHIR"
    [uris] = block["extension"]
    assert uris["url"] == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
    assert {e["url"]: e["valueUri"] for e in uris["extension"]} == {
        "token": "http://testserver/auth/token",
        "authorize": "http://testserver/auth/authorize",
        "revoke": "http://testserver/auth/revoke",
    }


def test_metadata_is_public_and_names_the_token_endpoint(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        response = anonymous.get("/fhir/metadata")
        refused = anonymous.get("/fhir/Patient")
        smart = anonymous.get("/fhir/.well-known/smart-configuration").json()
    assert response.status_code == 200
    [rest] = response.json()["rest"]
    assert rest["security"]["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    [uris] = rest["security"]["extension"]
    assert {"url": "token", "valueUri": smart["token_endpoint"]} in uris["extension"]
    assert refused.status_code == 401
