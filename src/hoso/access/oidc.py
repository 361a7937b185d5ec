"""The built-in OpenID provider: authorization code flow with PKCE (S256 only).

`GET /auth/authorize` checks the request (client, exact redirect URI, scopes, PKCE) and
shows a login form carrying the request as a JWT we sign, bound to an HttpOnly cookie:
the form is the CSRF token, valid for ten minutes and only with that browser's cookie,
and no server-side session is needed across several API processes. `POST` checks the
credentials, stores a single-use code (SHA-256) and redirects back with it.
(https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth, RFC 7636)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from hoso.access import claims as roles
from hoso.access.accounts import Account
from hoso.access.clients import PUBLIC, ClientRegistry
from hoso.access.credential_store import AuthorizationCodeRecord, CredentialStore
from hoso.access.grant_scopes import contexts, parse_scopes, uncovered
from hoso.access.keys import BadSignature, KeyNotFound, SigningKeys
from hoso.access.oauth_errors import OAuthError, invalid_grant, invalid_request
from hoso.access.pkce import valid_challenge, verify_s256

__all__ = [
    "LOGIN_REQUEST_SECONDS",
    "AuthorizationRequest",
    "BuiltInProvider",
    "CsrfFailed",
    "RequestRefused",
]

LOGIN_REQUEST_TYPE = "login-request+jwt"
ID_TOKEN_TYPE = "JWT"
LOGIN_REQUEST_SECONDS = 600
ID_TOKEN_SECONDS = 300
# A person's scopes use their own context: residents patient/…, staff user/…;
# system/… is for facility systems only (client credentials).
_ROLE_CONTEXTS = {roles.RESIDENT: {"patient"}}
_STAFF_CONTEXTS = {"user"}


class CsrfFailed(Exception):
    """The login form was not submitted from the page we served to this browser."""


class RequestRefused(Exception):
    """The authorization request is unusable. With `redirect` the error goes back to the
    client (RFC 6749 §4.1.2.1); without it (unknown client or redirect URI) it is shown
    to the person, since redirecting would hand the error to an unverified address."""

    def __init__(self, error: OAuthError, redirect: str | None = None) -> None:
        super().__init__(error.description)
        self.error = error
        self.redirect = redirect


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str
    client_name: str = ""

    def redirect_with(self, **params: str) -> str:
        query = dict(params)
        if self.state is not None:
            query["state"] = self.state
        separator = "&" if "?" in self.redirect_uri else "?"
        return self.redirect_uri + separator + urlencode(query)


def csrf_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8")).hexdigest()


class BuiltInProvider:
    def __init__(
        self,
        keys: SigningKeys,
        clients: ClientRegistry,
        store: CredentialStore,
        *,
        issuer: str,
        code_seconds: int = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.clients = clients
        self.store = store
        self.issuer = issuer
        self.authorize_endpoint = f"{issuer}/auth/authorize"
        self.code_seconds = code_seconds
        self.clock = clock

    # -- the authorization request -----------------------------------------------------
    def parse_request(self, params: Mapping[str, str]) -> AuthorizationRequest:
        """A checked request, or `RequestRefused`."""
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        client = self.clients.get(client_id) if client_id else None
        if client is None or not client.active or client.kind != PUBLIC:
            raise RequestRefused(invalid_request("Ứng dụng không xác định", "Unknown client"))
        if redirect_uri not in client.redirect_uris:
            raise RequestRefused(
                invalid_request(
                    "redirect_uri chưa đăng ký cho ứng dụng này",
                    "redirect_uri is not registered for this client",
                )
            )
        request = AuthorizationRequest(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=params.get("scope", ""),
            state=params.get("state"),
            nonce=params.get("nonce"),
            code_challenge=params.get("code_challenge", ""),
            client_name=client.name,
        )

        def refuse(error: str, vi: str, en: str) -> RequestRefused:
            return RequestRefused(
                OAuthError(error, vi, en),
                request.redirect_with(error=error, error_description=f"{vi} / {en}"),
            )

        if params.get("response_type") != "code":
            raise refuse(
                "unsupported_response_type",
                "Chỉ hỗ trợ response_type=code",
                "Only response_type=code is supported",
            )
        if params.get("code_challenge_method") != "S256" or not valid_challenge(
            request.code_challenge
        ):
            raise refuse(
                "invalid_request",
                "Cần PKCE với code_challenge_method=S256",
                "PKCE with code_challenge_method=S256 is required",
            )
        try:
            scopes = parse_scopes(request.scope)
        except ValueError as exc:
            raise refuse("invalid_scope", "Phạm vi không hợp lệ", "Malformed scope") from exc
        missing = uncovered(scopes, client.scopes)
        if not scopes or missing:
            raise refuse(
                "invalid_scope",
                f"Phạm vi không được phép: {' '.join(missing)}",
                f"Scopes not allowed for this client: {' '.join(missing)}",
            )
        return request

    def login_form_token(self, request: AuthorizationRequest, csrf_cookie: str) -> str:
        """The signed request the login form carries (see the module docstring)."""
        now = int(self.clock())
        body = {
            **asdict(request),
            "csrf": csrf_hash(csrf_cookie),
            "aud": self.authorize_endpoint,
            "iss": self.issuer,
            "iat": now,
            "exp": now + LOGIN_REQUEST_SECONDS,
        }
        return self.keys.sign(body, typ=LOGIN_REQUEST_TYPE)

    def read_login_form(
        self, form_token: str | None, csrf_cookie: str | None
    ) -> AuthorizationRequest:
        """The request a submitted form carries; `CsrfFailed` unless it is a form we
        served, unexpired, to the browser holding `csrf_cookie`."""
        if not form_token or not csrf_cookie:
            raise CsrfFailed()
        try:
            signed = self.keys.verify(form_token)
        except (ValueError, KeyNotFound, BadSignature) as exc:
            raise CsrfFailed() from exc
        body = signed.claims
        if (
            signed.header.get("typ") != LOGIN_REQUEST_TYPE
            or body.get("aud") != self.authorize_endpoint
            or not isinstance(body.get("exp"), int)
            or body["exp"] <= self.clock()
            or not hmac.compare_digest(str(body.get("csrf")), csrf_hash(csrf_cookie))
        ):
            raise CsrfFailed()
        fields = AuthorizationRequest.__dataclass_fields__
        return AuthorizationRequest(**{k: body.get(k) for k in fields})

    def check_person_scopes(self, request: AuthorizationRequest, account: Account) -> None:
        """A person gets only scopes of their own context (see `_ROLE_CONTEXTS`)."""
        allowed = _ROLE_CONTEXTS.get(account.role, _STAFF_CONTEXTS)
        wrong = contexts(tuple(request.scope.split())) - allowed
        if wrong:
            raise RequestRefused(
                OAuthError(
                    "invalid_scope",
                    "Vai trò này không được cấp phạm vi đã yêu cầu",
                    "This role cannot be granted the requested scopes",
                ),
                request.redirect_with(error="invalid_scope"),
            )

    def approve(self, request: AuthorizationRequest, account: Account) -> str:
        """Store a code for this login and return the redirect that delivers it."""
        code = secrets.token_urlsafe(32)
        now = int(self.clock())
        self.store.add_authorization_code(
            code_hash=hashlib.sha256(code.encode()).hexdigest(),
            client_id=request.client_id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            account_id=account.id,
            scope=request.scope,
            nonce=request.nonce,
            family_id=uuid.uuid4().hex,
            auth_time=now,
            expires=now + self.code_seconds,
        )
        return request.redirect_with(code=code)

    # -- redeeming the code ------------------------------------------------------------
    def redeem(
        self, code: str, *, client_id: str, redirect_uri: str | None, code_verifier: str | None
    ) -> AuthorizationCodeRecord:
        """The code's record, once. A second use revokes what the first one yielded
        (RFC 6749 §4.1.2)."""
        record, first_use = self.store.take_authorization_code(
            hashlib.sha256(code.encode()).hexdigest()
        )
        if record is None or record.client_id != client_id:
            raise invalid_grant("Mã ủy quyền không hợp lệ", "Invalid authorization code")
        if not first_use:
            self.store.revoke_family(record.family_id, int(self.clock()))
            raise invalid_grant("Mã ủy quyền đã được dùng", "Authorization code already used")
        if record.expires <= self.clock():
            raise invalid_grant("Mã ủy quyền đã hết hạn", "Authorization code has expired")
        if redirect_uri != record.redirect_uri:
            raise invalid_grant(
                "redirect_uri khác với lúc yêu cầu",
                "redirect_uri differs from the authorization request",
            )
        if not verify_s256(code_verifier, record.code_challenge):
            raise invalid_grant(
                "code_verifier không khớp (PKCE)",
                "code_verifier does not match the challenge (PKCE)",
            )
        return record

    def id_token(
        self,
        account: Account,
        *,
        client_id: str,
        nonce: str | None,
        auth_time: int,
        scope: tuple[str, ...],
    ) -> str:
        """OpenID Connect ID token; `fhirUser` names the person's FHIR resource (SMART)."""
        now = int(self.clock())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "sub": account.subject,
            "aud": client_id,
            "iat": now,
            "exp": now + ID_TOKEN_SECONDS,
            "auth_time": auth_time,
            "amr": ["pwd", "otp"] if account.second_factor else ["pwd"],
        }
        if nonce:
            body["nonce"] = nonce
        if account.fhir_user:
            body["fhirUser"] = account.fhir_user
        if "profile" in scope:
            body["preferred_username"] = account.username
        return self.keys.sign(body, typ=ID_TOKEN_TYPE)
