"""Residents and staff log in through the built-in provider (code flow + PKCE S256)."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet

from hoso.access import claims as roles
from hoso.access.audit_record import MINOR_FAILURE, SUCCESS
from hoso.core.errors import Unauthorized
from hoso.store.sql_store import SqlStore
from tests.builders.auth import (
    APP_ID,
    REDIRECT,
    AuditRecorder,
    auth_app,
    authorize_params,
    exchange_code,
    log_in,
    login_form,
    pkce_pair,
    redirect_params,
    register_app,
    submit_login,
)

CCCD = "079090001234"
PASSWORD = "mat-khau-rat-dai-2026"
FHIR = "http://testserver/fhir"
GENERIC = "Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng"


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


@pytest.fixture
def clinician_totp(site: FastAPI) -> pyotp.TOTP:
    _, uri = site.state.auth.accounts.create(
        "bs.lan", PASSWORD, roles.CLINICIAN, facility="79001", practitioner_id="bs-1"
    )
    return pyotp.TOTP(pyotp.parse_uri(uri).secret)


def test_login_page_is_vietnamese_first_with_csrf_and_security_headers(
    http: TestClient,
) -> None:
    _, challenge = pkce_pair()
    page = http.get("/auth/authorize", params=authorize_params(challenge))
    assert page.status_code == 200
    text = page.text
    assert '<html lang="vi">' in text
    assert text.index("Đăng nhập Hồ Sơ") < text.index("Log in to Hồ Sơ")
    assert "Sổ sức khỏe điện tử" in text  # the client's name, with its diacritics
    assert "Mật khẩu" in text and "Mã xác thực" in text
    assert 'name="csrf_token"' in text
    cookie = page.headers["set-cookie"]
    assert "hoso_login_csrf=" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower() and "Path=/auth" in cookie
    policy = page.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert "form-action 'self' https://app.example.vn" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_resident_logs_in_and_gets_tokens_with_patient_context(
    http: TestClient, site: FastAPI, recorder: AuditRecorder
) -> None:
    verifier, challenge = pkce_pair()
    csrf = login_form(http, challenge)
    answer = submit_login(http, csrf, CCCD, PASSWORD)
    assert answer.status_code == 303
    back = redirect_params(answer)
    assert back["state"] == "trang-thai-1"
    response = exchange_code(http, back["code"], verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert {"access_token", "refresh_token", "id_token", "expires_in"} <= tokens.keys()
    assert tokens["patient"] == "bn-1"
    assert tokens["scope"] == "openid fhirUser patient/*.rs"
    claims = site.state.tokens.verify(tokens["access_token"], FHIR)
    assert (claims.role, claims.patient, claims.fhir_user) == (
        roles.RESIDENT,
        "bn-1",
        "Patient/bn-1",
    )
    assert CCCD not in tokens["access_token"] + tokens["id_token"]  # no profile scope asked
    keys = KeySet.import_key_set(http.get("/auth/jwks").json())
    id_token = jwt.decode(tokens["id_token"], keys)
    assert id_token.claims["aud"] == APP_ID
    assert id_token.claims["iss"] == "http://testserver"
    assert id_token.claims["nonce"] == "so-dung-mot-lan"
    assert id_token.claims["fhirUser"] == "Patient/bn-1"
    assert id_token.claims["sub"] == claims.subject
    assert [e.outcome for e in recorder.of("login")] == [SUCCESS]
    assert [e.outcome for e in recorder.of("token")] == [SUCCESS]


def test_clinician_with_wrong_totp_is_refused_and_right_totp_passes(
    http: TestClient, site: FastAPI, clinician_totp: pyotp.TOTP
) -> None:
    _, challenge = pkce_pair()
    csrf = login_form(http, challenge, scope="openid user/*.cruds")
    code = clinician_totp.now()
    wrong = submit_login(http, csrf, "bs.lan", PASSWORD, f"{(int(code) + 1) % 10**6:06d}")
    assert wrong.status_code == 401
    assert "location" not in wrong.headers
    assert GENERIC in wrong.text
    missing = submit_login(http, csrf, "bs.lan", PASSWORD)
    assert GENERIC in missing.text
    assert submit_login(http, csrf, "bs.lan", PASSWORD, code).status_code == 303


def test_clinician_token_carries_facility(
    http: TestClient, site: FastAPI, clinician_totp: pyotp.TOTP
) -> None:
    tokens = log_in(http, "bs.lan", PASSWORD, clinician_totp.now(), scope="user/*.cruds")
    claims = site.state.tokens.verify(tokens["access_token"], FHIR)
    assert (claims.role, claims.facility, claims.fhir_user) == (
        roles.CLINICIAN,
        "79001",
        "Practitioner/bs-1",
    )
    assert "patient" not in tokens and "id_token" not in tokens  # no openid scope


def test_locked_account_stays_locked_with_the_right_password(
    http: TestClient, recorder: AuditRecorder
) -> None:
    _, challenge = pkce_pair()
    csrf = login_form(http, challenge)
    for _ in range(5):
        assert submit_login(http, csrf, CCCD, "sai-mat-khau-00").status_code == 401
    locked = submit_login(http, csrf, CCCD, PASSWORD)
    assert locked.status_code == 401 and GENERIC in locked.text
    unknown = submit_login(http, csrf, "079090009999", PASSWORD)
    assert unknown.text.count(GENERIC) == locked.text.count(GENERIC) == 1
    assert len(recorder.of("lockout")) == 1
    assert all(e.outcome == MINOR_FAILURE for e in recorder.of("login"))


def test_csrf_token_and_cookie_are_both_required(
    http: TestClient, site: FastAPI, recorder: AuditRecorder
) -> None:
    _, challenge = pkce_pair()
    csrf = login_form(http, challenge)
    no_token = submit_login(http, None, CCCD, PASSWORD)
    assert no_token.status_code == 403
    assert "CSRF" in no_token.text and "location" not in no_token.headers
    forged = submit_login(http, csrf[:-4] + "AAAA", CCCD, PASSWORD)
    assert forged.status_code == 403
    with TestClient(site) as other_browser:  # has the form's token, not its cookie
        assert submit_login(other_browser, csrf, CCCD, PASSWORD).status_code == 403
        login_form(other_browser, challenge)  # its own cookie: still not this token's
        assert submit_login(other_browser, csrf, CCCD, PASSWORD).status_code == 403
    assert recorder.of("login") == []  # credentials were never looked at
    assert submit_login(http, csrf, CCCD, PASSWORD).status_code == 303


def test_pkce_mismatch_is_refused_and_burns_the_code(http: TestClient) -> None:
    verifier, challenge = pkce_pair()
    code = redirect_params(submit_login(http, login_form(http, challenge), CCCD, PASSWORD))
    other_verifier, _ = pkce_pair()
    refused = exchange_code(http, code["code"], other_verifier)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert "PKCE" in refused.json()["error_description"]
    again = exchange_code(http, code["code"], verifier)
    assert "already used" in again.json()["error_description"]


def test_code_used_twice_revokes_what_it_gave(http: TestClient, site: FastAPI) -> None:
    verifier, challenge = pkce_pair()
    code = redirect_params(submit_login(http, login_form(http, challenge), CCCD, PASSWORD))
    first = exchange_code(http, code["code"], verifier).json()
    second = exchange_code(http, code["code"], verifier)
    assert second.json()["error"] == "invalid_grant"
    with pytest.raises(Unauthorized, match="revoked"):
        site.state.tokens.verify(first["access_token"], FHIR)
    refresh = http.post(
        "/auth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": APP_ID,
        },
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_code_exchange_checks_redirect_uri_and_client(http: TestClient) -> None:
    verifier, challenge = pkce_pair()
    code = redirect_params(submit_login(http, login_form(http, challenge), CCCD, PASSWORD))
    wrong_uri = exchange_code(
        http, code["code"], verifier, redirect_uri="https://app.example.vn/other"
    )
    assert wrong_uri.json()["error"] == "invalid_grant"
    unknown_client = exchange_code(http, "x", verifier, client_id="ung-dung-la")
    assert (unknown_client.status_code, unknown_client.json()["error"]) == (401, "invalid_client")


def test_expired_code(store: SqlStore, recorder: AuditRecorder) -> None:
    app = auth_app(store, recorder, authorization_code_seconds=0)
    register_app(app.state.auth)
    app.state.auth.accounts.create(CCCD, PASSWORD, roles.RESIDENT, patient_id="bn-1")
    with TestClient(app) as http:
        verifier, challenge = pkce_pair()
        code = redirect_params(submit_login(http, login_form(http, challenge), CCCD, PASSWORD))
        refused = exchange_code(http, code["code"], verifier)
    assert "has expired" in refused.json()["error_description"]


def test_unregistered_redirect_uri_is_shown_not_followed(http: TestClient) -> None:
    _, challenge = pkce_pair()
    page = http.get(
        "/auth/authorize",
        follow_redirects=False,
        params=authorize_params(challenge, redirect_uri="https://ke-gian.example.com/cb"),
    )
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "redirect_uri" in page.text


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "qua-ngan"}, "invalid_request"),
        ({"scope": "system/*.cruds"}, "invalid_scope"),
    ],
)
def test_bad_requests_go_back_to_the_client_with_an_error(
    http: TestClient, params: dict[str, str], error: str
) -> None:
    _, challenge = pkce_pair()
    answer = http.get(
        "/auth/authorize", follow_redirects=False, params=authorize_params(challenge) | params
    )
    assert answer.status_code == 303
    back = redirect_params(answer)
    assert back["error"] == error and back["state"] == "trang-thai-1"


def test_resident_cannot_take_staff_scopes(http: TestClient) -> None:
    _, challenge = pkce_pair()
    csrf = login_form(http, challenge, scope="openid user/*.cruds")
    answer = submit_login(http, csrf, CCCD, PASSWORD)
    assert answer.status_code == 303
    assert redirect_params(answer)["error"] == "invalid_scope"
    assert REDIRECT in answer.headers["location"]
