"""Facility systems: client credentials with private_key_jwt (SMART Backend Services)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from joserfc.jwk import ECKey

from hoso.access import claims as roles
from hoso.access.audit_record import MINOR_FAILURE, SUCCESS
from hoso.access.clients import Client
from hoso.store.sql_store import SqlStore
from tests.builders.auth import (
    AuditRecorder,
    auth_app,
    client_assertion,
    client_credentials_form,
    facility_key,
    public_jwks,
)

TOKEN_URL = "http://testserver/auth/token"
FHIR = "http://testserver/fhir"


@pytest.fixture
def recorder() -> AuditRecorder:
    return AuditRecorder()


@pytest.fixture
def site(store: SqlStore, recorder: AuditRecorder) -> FastAPI:
    return auth_app(store, recorder)


@pytest.fixture
def http(site: FastAPI) -> Iterator[TestClient]:
    with TestClient(site, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def key() -> ECKey:
    return facility_key()


@pytest.fixture
def hospital(site: FastAPI, key: ECKey) -> Client:
    return site.state.auth.clients.register_system(
        facility="79001", scopes="system/*.rs system/Observation.c", jwks=public_jwks(key)
    )


def ask(http: TestClient, assertion: str, scope: str = "system/*.rs") -> dict:
    response = http.post("/auth/token", data=client_credentials_form(assertion, scope))
    body = response.json()
    body["status"] = response.status_code
    return body


def test_facility_system_gets_a_short_lived_token(
    http: TestClient, site: FastAPI, hospital: Client, key: ECKey, recorder: AuditRecorder
) -> None:
    response = http.post(
        "/auth/token",
        data=client_credentials_form(
            client_assertion(key, hospital.client_id, TOKEN_URL), "system/Patient.rs"
        ),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["scope"] == "system/Patient.rs"
    assert "refresh_token" not in body
    claims = site.state.tokens.verify(body["access_token"], FHIR)
    assert claims.role == roles.FACILITY_SYSTEM
    assert claims.facility == "79001"
    assert claims.client_id == claims.subject.removeprefix("client:") == hospital.client_id
    [issued] = recorder.of("token")
    assert issued.outcome == SUCCESS and issued.facility == "79001"
    assert claims.token_id in (issued.description or "")
    assert body["access_token"] not in repr(recorder.entries)


def test_rs384_key_works_too(http: TestClient, site: FastAPI) -> None:
    from joserfc.jwk import RSAKey

    rsa = RSAKey.generate_key(2048, auto_kid=True)
    client = site.state.auth.clients.register_system(
        facility="79002", scopes="system/*.rs", jwks={"keys": [rsa.as_dict(private=False)]}
    )
    assertion = client_assertion(rsa, client.client_id, TOKEN_URL, alg="RS384")
    assert ask(http, assertion)["status"] == 200


def test_replayed_assertion_is_refused(
    http: TestClient, hospital: Client, key: ECKey, recorder: AuditRecorder
) -> None:
    assertion = client_assertion(key, hospital.client_id, TOKEN_URL)
    assert ask(http, assertion)["status"] == 200
    replay = ask(http, assertion)
    assert replay["status"] == 401
    assert replay["error"] == "invalid_client"
    assert "replayed jti" in replay["error_description"]
    assert replay["error_description"].startswith("client_assertion đã được dùng")
    refused = [e for e in recorder.of("token") if e.outcome == MINOR_FAILURE]
    assert refused[0].agent == f"client:{hospital.client_id}"
    assert "replayed jti" in (refused[0].description or "")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"lifetime": -10}, "has expired"),
        ({"lifetime": 600}, "exceeds 5 minutes"),
        ({"aud": "http://testserver/fhir"}, "aud must be the token endpoint"),
        ({"sub": "someone-else"}, "sub must equal the client_id"),
    ],
)
def test_assertion_claims_are_checked(
    http: TestClient, hospital: Client, key: ECKey, change: dict, reason: str
) -> None:
    claims = dict(change)
    audience = claims.pop("aud", TOKEN_URL)
    refused = ask(http, client_assertion(key, hospital.client_id, audience, **claims))
    assert (refused["status"], refused["error"]) == (401, "invalid_client")
    assert reason in refused["error_description"]


def test_assertion_signed_by_another_key_is_refused(http: TestClient, hospital: Client) -> None:
    impostor = facility_key()
    impostor.dict_value["kid"] = hospital.jwks["keys"][0]["kid"]  # type: ignore[index]
    refused = ask(http, client_assertion(impostor, hospital.client_id, TOKEN_URL))
    assert refused["error"] == "invalid_client"
    assert "signature is invalid" in refused["error_description"]


def test_tampered_assertion_is_refused(http: TestClient, hospital: Client, key: ECKey) -> None:
    header, payload, signature = client_assertion(key, hospital.client_id, TOKEN_URL).split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=="))
    body["exp"] += 3600
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    refused = ask(http, f"{header}.{forged}.{signature}")
    assert "signature is invalid" in refused["error_description"]


def test_unknown_and_disabled_clients(
    http: TestClient, site: FastAPI, hospital: Client, key
) -> None:
    unknown = ask(http, client_assertion(key, "cs-khong-co", TOKEN_URL))
    assert "Unknown client" in unknown["error_description"]
    site.state.auth.clients.disable(hospital.client_id)
    disabled = ask(http, client_assertion(key, hospital.client_id, TOKEN_URL))
    assert (disabled["status"], disabled["error"]) == (401, "invalid_client")
    assert "disabled" in disabled["error_description"]


@pytest.mark.parametrize("scope", ["system/*.cruds", "system/Patient.u", "user/*.rs", ""])
def test_scopes_beyond_the_clients_are_refused(
    http: TestClient, hospital: Client, key: ECKey, scope: str
) -> None:
    refused = ask(http, client_assertion(key, hospital.client_id, TOKEN_URL), scope)
    assert (refused["status"], refused["error"]) == (400, "invalid_scope")


def test_request_shape_errors(http: TestClient, hospital: Client, key: ECKey) -> None:
    assertion = client_assertion(key, hospital.client_id, TOKEN_URL)
    wrong_type = client_credentials_form(assertion) | {"client_assertion_type": "x"}
    assert http.post("/auth/token", data=wrong_type).json()["error"] == "invalid_request"
    as_json = http.post("/auth/token", json=client_credentials_form(assertion))
    assert as_json.json()["error"] == "invalid_request"
    repeated = http.post(
        "/auth/token",
        content="grant_type=client_credentials&grant_type=password",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "Repeated parameter" in repeated.json()["error_description"]
    unsupported = http.post(
        "/auth/token",
        data=client_credentials_form(client_assertion(key, hospital.client_id, TOKEN_URL))
        | {"grant_type": "password"},
    )
    assert unsupported.json()["error"] == "unsupported_grant_type"


def test_registration_refuses_private_keys(site: FastAPI, key: ECKey) -> None:
    with pytest.raises(ValueError, match="private key"):
        site.state.auth.clients.register_system(
            facility="79003", scopes="system/*.rs", jwks={"keys": [key.as_dict(private=True)]}
        )


def test_backend_request_with_launch_patient_gets_what_the_client_may_have(
    http: TestClient, hospital: Client, key: ECKey
) -> None:
    """fhirclient's backend-services mode adds `launch/patient`: SMART lets the server
    grant less than asked, and the answer's `scope` says what was granted."""
    granted = ask(http, client_assertion(key, hospital.client_id, TOKEN_URL),
                  "system/*.rs launch/patient system/Patient.u")  # fmt: skip
    assert granted["status"] == 200, granted
    assert granted["scope"] == "system/*.rs"


def test_an_assertion_living_longer_than_five_minutes_is_refused_naming_the_limit(
    http: TestClient, hospital: Client, key: ECKey
) -> None:
    refused = ask(http, client_assertion(key, hospital.client_id, TOKEN_URL, lifetime=3600))
    assert (refused["status"], refused["error"]) == (401, "invalid_client")
    assert "300 s" in refused["error_description"]
    assert "exp" in refused["error_description"]
