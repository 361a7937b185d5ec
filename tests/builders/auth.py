"""Builders for authentication tests: a facility's key and client assertions, PKCE
pairs, a settable clock, and an audit recorder (a collaborator that keeps entries)."""

from __future__ import annotations

import html
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from hoso.access.audit_record import AuditRecord
from hoso.access.clients import ASSERTION_TYPE
from hoso.access.pkce import challenge_of, new_verifier


class Clock:
    """Seconds since epoch that a test moves forward."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class AuditRecorder:
    """Keeps every entry the trail is given, in order."""

    entries: list[AuditRecord] = field(default_factory=list)

    def record(self, entry: AuditRecord) -> None:
        self.entries.append(entry)

    def of(self, subtype: str) -> list[AuditRecord]:
        return [e for e in self.entries if e.subtype == subtype]


def facility_key(curve: str = "P-384") -> ECKey:
    return ECKey.generate_key(curve, auto_kid=True)


def public_jwks(*keys: ECKey) -> dict[str, Any]:
    return {"keys": [k.as_dict(private=False) for k in keys]}


def client_assertion(
    key: ECKey | RSAKey,
    client_id: str,
    audience: str,
    *,
    lifetime: int = 120,
    jti: str | None = None,
    now: float | None = None,
    alg: str = "ES384",
    **overrides: Any,
) -> str:
    """A SMART Backend Services client assertion signed by `key`."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "exp": issued + lifetime,
        "iat": issued,
        "jti": jti or uuid.uuid4().hex,
        **overrides,
    }
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])


def client_credentials_form(assertion: str, scope: str = "system/*.rs") -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        "scope": scope,
    }


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge)."""
    verifier = new_verifier()
    return verifier, challenge_of(verifier)


def auth_app(store: Any, recorder: AuditRecorder, *, idp_http: Any = None, **settings: Any) -> Any:
    """The real app over `store`, by default at http://testserver (TestClient's origin),
    recording authentication audit entries in `recorder`."""
    from dataclasses import replace

    from hoso.api import auth_routes
    from hoso.api.app import create_app

    settings.setdefault("public_base_url", "http://testserver")
    app = create_app(store, replace(store.settings, **settings))
    auth_routes.install(app, audit=recorder, idp_http=idp_http)
    return app


# -- the authorization code flow, as a browser and an app do it --------------------------
APP_ID = "so-suc-khoe"
REDIRECT = "https://app.example.vn/callback"
APP_SCOPES = "openid fhirUser profile launch/patient offline_access patient/*.rs user/*.cruds"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def register_app(auth: Any) -> Any:
    return auth.clients.register_public(
        client_id=APP_ID, name="Sổ sức khỏe điện tử", redirect_uris=[REDIRECT], scopes=APP_SCOPES
    )


def authorize_params(
    challenge: str, scope: str = "openid fhirUser patient/*.rs", **extra: str
) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": APP_ID,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "trang-thai-1",
        "nonce": "so-dung-mot-lan",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def login_form(http: Any, challenge: str, **params: str) -> str:
    """Open the login page; returns the form's CSRF token (the browser keeps the cookie)."""
    page = http.get("/auth/authorize", params=authorize_params(challenge, **params))
    assert page.status_code == 200, page.text
    match = _CSRF_FIELD.search(page.text)
    assert match is not None
    return html.unescape(match.group(1))


def submit_login(
    http: Any, csrf_token: str | None, username: str, password: str, totp: str | None = None
) -> Any:
    form = {"username": username, "password": password, "totp": totp or ""}
    if csrf_token is not None:
        form["csrf_token"] = csrf_token
    return http.post("/auth/authorize", data=form, follow_redirects=False)


def redirect_params(response: Any) -> dict[str, str]:
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return dict(parse_qsl(urlsplit(location).query))


def exchange_code(http: Any, code: str, verifier: str, **overrides: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "client_id": APP_ID,
        "redirect_uri": REDIRECT,
        **overrides,
    }
    return http.post("/auth/token", data=form)


def log_in(
    http: Any,
    username: str,
    password: str,
    totp: str | None = None,
    scope: str = "openid fhirUser patient/*.rs",
) -> dict[str, Any]:
    """The whole flow; returns the token response."""
    verifier, challenge = pkce_pair()
    token = login_form(http, challenge, scope=scope)
    code = redirect_params(submit_login(http, token, username, password, totp))["code"]
    response = exchange_code(http, code, verifier)
    assert response.status_code == 200, response.text
    return response.json()
