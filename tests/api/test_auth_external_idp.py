"""Logging in through an external OpenID provider, played by a second instance of our
own built-in provider (its own database, keys and accounts) at http://idp.test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access import claims as roles
from hoso.access.audit_record import MINOR_FAILURE, SUCCESS
from hoso.core.settings import ExternalIdp
from hoso.store.sql_store import SqlStore, make_store
from tests.builders.auth import (
    REDIRECT,
    AuditRecorder,
    auth_app,
    authorize_params,
    exchange_code,
    pkce_pair,
    redirect_params,
    register_app,
    submit_login,
)

IDP = "http://idp.test"
CCCD = "079090001234"
ONLY_THERE = "079190005678"  # a resident the provider knows and we do not
PASSWORD = "mat-khau-rat-dai-2026"
FHIR = "http://testserver/fhir"


class InProcessHttp:
    """Outbound HTTP to each origin, answered by that origin's app in this process."""

    def __init__(self) -> None:
        self.origins: dict[str, TestClient] = {}

    def _client(self, url: str) -> tuple[TestClient, str]:
        parts = urlsplit(url)
        return self.origins[f"{parts.scheme}://{parts.netloc}"], url.split(parts.netloc, 1)[1]

    def get_json(self, url: str) -> dict[str, Any]:
        client, path = self._client(url)
        answer = client.get(path)
        answer.raise_for_status()
        return answer.json()

    def post_form(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        client, path = self._client(url)
        return client.post(path, data=form).json()


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[TestClient]:
    """The external provider: our code at another address, with its own accounts."""
    store = make_store(f"sqlite:///{tmp_path / 'idp.db'}")
    app = auth_app(store, AuditRecorder(), public_base_url=IDP)
    auth = app.state.auth
    auth.clients.register_public(
        client_id="hoso-tp",
        name="Hồ Sơ TP.HCM",
        redirect_uris=["http://testserver/auth/callback"],
        scopes="openid profile fhirUser",
    )
    auth.accounts.create(CCCD, PASSWORD, roles.RESIDENT, patient_id="cong-dan-1")
    auth.accounts.create(ONLY_THERE, PASSWORD, roles.RESIDENT, patient_id="cong-dan-2")
    _, uri = auth.accounts.create("bs.lan", PASSWORD, roles.CLINICIAN, facility="01001")
    app.state.clinician_totp = pyotp.TOTP(pyotp.parse_uri(uri).secret)
    with TestClient(app, base_url=IDP) as http:
        yield http
    store.engine.dispose()


@pytest.fixture
def recorder() -> AuditRecorder:
    return AuditRecorder()


@pytest.fixture
def outbound() -> InProcessHttp:
    return InProcessHttp()


def relying_party(
    store: SqlStore,
    recorder: AuditRecorder,
    outbound: InProcessHttp,
    jwks_url: str = f"{IDP}/auth/jwks",
) -> FastAPI:
    idp = ExternalIdp(
        name="vneid", issuer=IDP, jwks_url=jwks_url, client_id="hoso-tp", roles=(roles.RESIDENT,)
    )
    app = auth_app(store, recorder, idp_http=outbound, external_idps=(idp,))
    register_app(app.state.auth)
    app.state.auth.accounts.create(CCCD, "mat-khau-o-day-khac", roles.RESIDENT, patient_id="bn-1")
    app.state.auth.accounts.create("bs.lan", PASSWORD, roles.CLINICIAN, facility="79001")
    return app


@pytest.fixture
def site(store: SqlStore, recorder: AuditRecorder, outbound: InProcessHttp) -> FastAPI:
    return relying_party(store, recorder, outbound)


@pytest.fixture
def http(site: FastAPI, provider: TestClient, outbound: InProcessHttp) -> Iterator[TestClient]:
    with TestClient(site) as client:
        outbound.origins.update({IDP: provider, "http://testserver": client})
        yield client


def through_provider(
    http: TestClient, provider: TestClient, username: str, totp: str | None = None
) -> tuple[Any, str]:
    """A browser's trip: us → provider's login form → back to our callback."""
    verifier, challenge = pkce_pair()
    start = http.get(
        "/auth/authorize", follow_redirects=False, params=authorize_params(challenge, idp="vneid")
    )
    assert start.status_code == 303, start.text
    location = start.headers["location"]
    assert location.startswith(f"{IDP}/auth/authorize?")
    sent = dict(parse_qsl(urlsplit(location).query))
    assert sent["code_challenge_method"] == "S256" and sent["nonce"]
    page = provider.get(location.removeprefix(IDP))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None, page.text
    answer = submit_login(provider, csrf.group(1), username, PASSWORD, totp)
    assert answer.status_code == 303, answer.text
    back = answer.headers["location"]
    assert back.startswith("http://testserver/auth/callback?")
    return http.get(back.removeprefix("http://testserver"), follow_redirects=False), verifier


def test_resident_logs_in_with_the_national_provider(
    http: TestClient, provider: TestClient, site: FastAPI, recorder: AuditRecorder
) -> None:
    callback, verifier = through_provider(http, provider, CCCD)
    assert callback.status_code == 303
    back = redirect_params(callback)
    assert back["state"] == "trang-thai-1"
    tokens = exchange_code(http, back["code"], verifier).json()
    assert tokens["patient"] == "bn-1"  # our record, found by the CCCD the provider vouched
    claims = site.state.tokens.verify(tokens["access_token"], FHIR)
    assert (claims.role, claims.fhir_user) == (roles.RESIDENT, "Patient/bn-1")
    [login] = recorder.of("login")
    assert (login.outcome, login.description) == (SUCCESS, "vneid")


def test_person_unknown_here_is_denied(
    http: TestClient, provider: TestClient, recorder: AuditRecorder
) -> None:
    callback, _ = through_provider(http, provider, ONLY_THERE)
    assert redirect_params(callback)["error"] == "access_denied"
    [login] = recorder.of("login")
    assert login.outcome == MINOR_FAILURE and "unknown account" in (login.description or "")
    assert ONLY_THERE not in repr(recorder.entries)


def test_role_not_allowed_through_this_provider(
    http: TestClient, provider: TestClient, recorder: AuditRecorder
) -> None:
    totp = provider.app.state.clinician_totp.now()  # type: ignore[attr-defined]
    callback, _ = through_provider(http, provider, "bs.lan", totp)
    assert redirect_params(callback)["error"] == "access_denied"
    assert "role not allowed" in (recorder.of("login")[0].description or "")


def test_id_token_signed_by_other_keys_is_refused(
    store: SqlStore, provider: TestClient, outbound: InProcessHttp
) -> None:
    recorder = AuditRecorder()
    # Misconfigured (or spoofed) JWKS: our own keys, not the provider's.
    site = relying_party(store, recorder, outbound, jwks_url="http://testserver/auth/jwks")
    with TestClient(site) as http:
        outbound.origins.update({IDP: provider, "http://testserver": http})
        callback, _ = through_provider(http, provider, CCCD)
    assert redirect_params(callback)["error"] == "access_denied"
    [failure] = recorder.of("login")
    assert "invalid id_token" in (failure.description or "")


def test_callback_without_this_browsers_cookie_is_refused(
    http: TestClient, provider: TestClient, site: FastAPI
) -> None:
    _, challenge = pkce_pair()
    start = http.get(
        "/auth/authorize", follow_redirects=False, params=authorize_params(challenge, idp="vneid")
    )
    state = dict(parse_qsl(urlsplit(start.headers["location"]).query))["state"]
    with TestClient(site) as attacker:  # replays our state in another browser
        answer = attacker.get("/auth/callback", params={"code": "x", "state": state})
    assert answer.status_code == 403 and "CSRF" in answer.text
    forged = http.get("/auth/callback", params={"code": "x", "state": state[:-4] + "AAAA"})
    assert forged.status_code == 403


def test_cancelled_at_the_provider(http: TestClient) -> None:
    _, challenge = pkce_pair()
    start = http.get(
        "/auth/authorize", follow_redirects=False, params=authorize_params(challenge, idp="vneid")
    )
    state = dict(parse_qsl(urlsplit(start.headers["location"]).query))["state"]
    answer = http.get(
        "/auth/callback", params={"error": "access_denied", "state": state}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(REDIRECT)
    assert redirect_params(answer)["error"] == "access_denied"


def test_unknown_provider_name(http: TestClient) -> None:
    _, challenge = pkce_pair()
    answer = http.get(
        "/auth/authorize",
        follow_redirects=False,
        params=authorize_params(challenge, idp="khong-co"),
    )
    assert redirect_params(answer)["error"] == "invalid_request"


def test_providers_come_from_the_environment() -> None:
    from hoso.core.settings import external_idps_from

    env = {
        "HOSO_EXTERNAL_IDPS": "vneid, city",
        "HOSO_IDP_VNEID_ISSUER": "https://sso.vneid.example/",
        "HOSO_IDP_VNEID_JWKS_URL": "https://sso.vneid.example/jwks",
        "HOSO_IDP_VNEID_CLIENT_ID": "hoso",
        "HOSO_IDP_VNEID_CLAIM": "so_dinh_danh",
        "HOSO_IDP_CITY_ISSUER": "https://sso.hcmc.example",
        "HOSO_IDP_CITY_JWKS_URL": "https://sso.hcmc.example/jwks",
        "HOSO_IDP_CITY_CLIENT_ID": "hoso",
        "HOSO_IDP_CITY_CLIENT_SECRET": "bi-mat",
        "HOSO_IDP_CITY_ROLES": "clinician,officer",
    }
    vneid, city = external_idps_from(env)
    assert (vneid.issuer, vneid.username_claim, vneid.roles) == (
        "https://sso.vneid.example",
        "so_dinh_danh",
        ("resident",),
    )
    assert city.roles == ("clinician", "officer") and "bi-mat" not in repr(city)
    with pytest.raises(ValueError, match="HOSO_IDP_CITY_CLIENT_ID"):
        external_idps_from({**env, "HOSO_IDP_CITY_CLIENT_ID": ""})
