"""The command line as an ordinary client of a live server's `/auth/token`, so a person
or a facility gets a token without writing an app.

- `log_in` (`hoso login`): the authorization-code flow with PKCE, as a public client
  (the demo app `hoso-demo` by default): it reads the login form, posts the credentials
  with the form's CSRF token and cookie, takes the code from the redirect and exchanges
  it. Nothing here bypasses the login checks, the lockout or the audit.
- `facility_token` (`hoso token --client-key`): SMART Backend Services' client
  credentials, the facility system authenticating with a `private_key_jwt` assertion
  signed by its own private key.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class LoginFailed(Exception):
    """Why the login did not give a token, in Vietnamese and English."""


@dataclass(frozen=True, slots=True)
class LoginResult:
    access_token: str
    scope: str
    expires_in: int
    patient: str | None


@contextmanager
def _session(server: str, timeout: float) -> Iterator[httpx.Client]:
    """An HTTP client for the server; a server that cannot be reached is a message
    (it is not running, or another port), not a traceback."""
    try:
        with httpx.Client(base_url=server.rstrip("/"), timeout=timeout) as http:
            yield http
    except httpx.TransportError as exc:
        raise LoginFailed(
            f"Không kết nối được máy chủ / Cannot reach the server {server}: {exc}"
        ) from exc


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def log_in(
    server: str,
    *,
    username: str,
    password: str,
    totp: str | None,
    scope: str,
    client_id: str,
    redirect_uri: str,
    timeout: float = 30.0,
) -> LoginResult:
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    with _session(server, timeout) as http:
        page = http.get(
            "/auth/authorize",
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": scope,
                "state": state,
                "nonce": secrets.token_urlsafe(16),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        found = _CSRF_FIELD.search(page.text) if page.status_code == 200 else None
        if found is None:
            raise LoginFailed(
                f"Máy chủ không trả trang đăng nhập (HTTP {page.status_code}) / "
                f"The server did not return the login form (HTTP {page.status_code})"
            )
        form = {"csrf_token": found.group(1), "username": username, "password": password}
        if totp:
            form["totp"] = totp
        answer = http.post("/auth/authorize", data=form)
        location = answer.headers.get("location", "") if answer.status_code == 303 else ""
        query = parse_qs(urlsplit(location).query)
        if query.get("state") != [state] or "code" not in query:
            raise LoginFailed(
                "Đăng nhập không thành công / Login failed"
                + (f": {query['error'][0]}" if "error" in query else "")
            )
        token = http.post(
            "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "code_verifier": verifier,
                "client_id": client_id,
                "redirect_uri": redirect_uri,
            },
        )
    if token.status_code != 200:
        raise LoginFailed(f"Không đổi được mã ủy quyền / Code exchange refused: {token.text[:200]}")
    body = token.json()
    return LoginResult(
        access_token=body["access_token"],
        scope=body.get("scope", ""),
        expires_in=int(body.get("expires_in", 0)),
        patient=body.get("patient"),
    )


ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# The server refuses an assertion living longer than five minutes (SMART Backend
# Services); one minute is plenty for a request made at once.
ASSERTION_SECONDS = 60


def facility_token(
    server: str,
    *,
    private_jwk: dict[str, Any],
    client_id: str,
    scope: str,
    timeout: float = 30.0,
) -> LoginResult:
    """An access token for the facility system `client_id` from the Hồ Sơ server at
    `server` (its FHIR base is `<server>/fhir`): `backend_token`."""
    return backend_token(server.rstrip("/") + "/fhir", private_jwk=private_jwk,
                         client_id=client_id, scope=scope, timeout=timeout)  # fmt: skip


def backend_token(
    fhir_base: str,
    *,
    private_jwk: dict[str, Any],
    client_id: str,
    scope: str,
    timeout: float = 30.0,
) -> LoginResult:
    """An access token by SMART Backend Services (client credentials with an assertion
    signed by `private_jwk`, `private_key_jwt`) from the FHIR server at `fhir_base`: the
    token endpoint is the one its `.well-known/smart-configuration` names, which is also
    the assertion's audience (its public URL, which behind a proxy differs from the
    address this machine reaches it at). Hồ Sơ asks the national database this way."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import import_key

    try:
        key = import_key(private_jwk)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise LoginFailed(f"Khóa không đọc được / Unreadable key: {exc}") from exc
    if not key.is_private:
        raise LoginFailed("Tệp khóa thiếu phần bí mật / The key file holds no private key")
    algorithm = _assertion_algorithm(private_jwk)
    with _session(fhir_base, timeout) as http:
        endpoint = _token_endpoint(http)
        now = int(time.time())
        claims = {"iss": client_id, "sub": client_id, "aud": endpoint, "iat": now,
                  "exp": now + ASSERTION_SECONDS, "jti": secrets.token_hex(16)}  # fmt: skip
        header = {"alg": algorithm, "typ": "JWT", **({"kid": key.kid} if key.kid else {})}
        assertion = jwt.encode(header, claims, key, algorithms=[algorithm])
        answer = http.post(
            endpoint,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion,
                "scope": scope,
            },
        )
    if answer.status_code != 200:
        raise LoginFailed(
            f"Máy chủ từ chối cấp mã (HTTP {answer.status_code}) / Token refused "
            f"(HTTP {answer.status_code}): {answer.text[:300]}"
        )
    body = answer.json()
    return LoginResult(
        access_token=body["access_token"],
        scope=body.get("scope", ""),
        expires_in=int(body.get("expires_in", 0)),
        patient=None,
    )


def _assertion_algorithm(jwk: dict[str, Any]) -> str:
    """The signing algorithm for the key: the ones the server accepts (SMART Backend
    Services requires ES384 and RS384 of servers)."""
    if jwk.get("kty") == "EC":
        by_curve = {"P-384": "ES384", "P-256": "ES256"}
        if jwk.get("crv") in by_curve:
            return by_curve[jwk["crv"]]
    elif jwk.get("kty") == "RSA":
        return "RS384"
    raise LoginFailed(
        "Khóa phải là EC P-384, EC P-256 hoặc RSA / The key must be EC P-384, EC P-256 or RSA"
    )


def _token_endpoint(http: httpx.Client) -> str:
    """The token endpoint's URL as the FHIR server at the client's base names it
    (`token_endpoint` of `.well-known/smart-configuration`)."""
    found = http.get(".well-known/smart-configuration")
    try:
        document = found.json() if found.status_code == 200 else {}
    except ValueError:  # not JSON: something else answers on that port
        document = {}
    endpoint = document.get("token_endpoint") if isinstance(document, dict) else None
    if not isinstance(endpoint, str):
        raise LoginFailed(
            f"Máy chủ không công bố token endpoint (HTTP {found.status_code}) / The server "
            f"names no token endpoint (HTTP {found.status_code}) at "
            f"{http.base_url}.well-known/smart-configuration"
        )
    return endpoint
