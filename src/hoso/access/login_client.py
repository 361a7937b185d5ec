"""`hoso login`: the authorization-code flow with PKCE, run against a live server from
the command line, so a person can get their own token without writing an app.

It is an ordinary public client of `/auth/authorize` and `/auth/token` (the demo app
`hoso-demo` by default): it reads the login form, posts the credentials with the form's
CSRF token and cookie, takes the code from the redirect and exchanges it. Nothing here
bypasses the login checks, the lockout or the audit.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
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
    with httpx.Client(base_url=server.rstrip("/"), timeout=timeout) as http:
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
        raise LoginFailed(
            f"Không đổi được mã ủy quyền / Code exchange refused: {token.text[:200]}"
        )
    body = token.json()
    return LoginResult(
        access_token=body["access_token"],
        scope=body.get("scope", ""),
        expires_in=int(body.get("expires_in", 0)),
        patient=body.get("patient"),
    )
