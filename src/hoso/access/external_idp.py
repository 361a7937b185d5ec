"""Logging in through an external OpenID provider: the national resident IdP
(VNeID-style) or the city's staff IdP. We are its relying party.

`/auth/authorize?idp=NAME&…` checks the client's request as usual, then sends the
browser to the provider with our own code flow (PKCE S256, nonce). The state we send is
a JWT we sign carrying the client's request; its PKCE verifier lives only in an HttpOnly
cookie of the browser, so no server-side session is needed. `/auth/callback` exchanges
the code, verifies the id_token against the provider's JWKS, and maps the configured
claim (the CCCD for residents) to an account here, which must exist.
(https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation)
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any, Protocol
from urllib.parse import urlencode

from joserfc.jwk import KeySet

from hoso.access.accounts import Account, AccountService, LoginRefused
from hoso.access.keys import BadSignature, KeyNotFound, SigningKeys, check_signature
from hoso.access.oauth_errors import OAuthError
from hoso.access.oidc import AuthorizationRequest, CsrfFailed, RequestRefused, csrf_hash
from hoso.access.pkce import challenge_of
from hoso.core.settings import ExternalIdp

__all__ = ["ExternalLogin", "HttpJson"]

STATE_TYPE = "rp-state+jwt"
STATE_SECONDS = 600
ID_TOKEN_ALGORITHMS = ("RS256", "ES256", "RS384", "ES384")
CLOCK_SKEW = 60
METADATA_SECONDS = 3600


class HttpJson(Protocol):
    """Outbound HTTP to the providers (the API supplies one over urllib)."""

    def get_json(self, url: str) -> dict[str, Any]: ...
    def post_form(self, url: str, form: dict[str, str]) -> dict[str, Any]: ...


class UpstreamFailed(Exception):
    """The provider's answer cannot be trusted; the message says why (for the audit)."""


class ExternalLogin:
    def __init__(
        self,
        idps: tuple[ExternalIdp, ...],
        keys: SigningKeys,
        accounts: AccountService,
        http: HttpJson,
        *,
        callback_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.idps = {idp.name: idp for idp in idps}
        self.keys = keys
        self.accounts = accounts
        self.http = http
        self.callback_url = callback_url
        self.clock = clock
        self._metadata: dict[str, tuple[float, dict[str, Any]]] = {}
        self._jwks: dict[str, tuple[float, KeySet]] = {}

    def start(self, idp_name: str, request: AuthorizationRequest) -> tuple[str, str]:
        """The provider's authorization URL and the cookie to set (the PKCE verifier)."""
        idp = self.idps.get(idp_name)
        if idp is None:
            raise RequestRefused(
                OAuthError(
                    "invalid_request",
                    "Nhà cung cấp định danh không rõ",
                    "Unknown identity provider",
                ),
                request.redirect_with(error="invalid_request"),
            )
        try:
            authorize = self._endpoint(idp, "authorization_endpoint")
        except Exception as exc:  # unreachable or unusable discovery document
            raise RequestRefused(
                OAuthError(
                    "temporarily_unavailable",
                    "Nhà cung cấp định danh không phản hồi",
                    "The identity provider is unavailable",
                ),
                request.redirect_with(error="temporarily_unavailable"),
            ) from exc
        verifier, nonce, now = secrets.token_urlsafe(48), secrets.token_urlsafe(16), self.clock()
        state = self.keys.sign(
            {
                "aud": self.callback_url,
                "exp": int(now) + STATE_SECONDS,
                "idp": idp.name,
                "nonce": nonce,
                "csrf": csrf_hash(verifier),
                "request": asdict(request),
            },
            typ=STATE_TYPE,
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": idp.client_id,
                "scope": "openid profile",
                "redirect_uri": self.callback_url,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge_of(verifier),
                "code_challenge_method": "S256",
            }
        )
        return f"{authorize}?{query}", verifier

    def finish(
        self, params: Mapping[str, str], verifier: str | None, source_ip: str | None = None
    ) -> tuple[AuthorizationRequest, Account]:
        """The client's request and the account the provider vouched for.

        `CsrfFailed` when the state is not ours or not this browser's (nothing can be
        trusted, not even where to send an error); `RequestRefused` with a redirect to
        the client (`access_denied`) for every other failure."""
        state = self._state(params.get("state"), verifier)
        request = AuthorizationRequest(**state["request"])
        idp = self.idps[state["idp"]]
        denied = RequestRefused(
            OAuthError("access_denied", "Đăng nhập không thành công", "Login failed"),
            request.redirect_with(error="access_denied"),
        )
        if "code" not in params:
            raise denied  # the person cancelled, or the provider refused
        try:
            claims = self._id_token(idp, params["code"], verifier or "", state["nonce"])
            username = claims.get(idp.username_claim)
            if not isinstance(username, str):
                raise UpstreamFailed(f"id_token thiếu / lacks {idp.username_claim}")
        except UpstreamFailed as exc:
            self.accounts.external_failure(idp.name, str(exc), request.client_id, source_ip)
            raise denied from exc
        amr = claims.get("amr") if isinstance(claims.get("amr"), list) else []
        try:
            account = self.accounts.external_login(
                username,
                idp=idp.name,
                allowed_roles=idp.roles,
                amr=amr,
                client_id=request.client_id,
                source_ip=source_ip,
            )
        except LoginRefused as exc:
            raise denied from exc
        return request, account

    # -- internals ---------------------------------------------------------------------
    def _state(self, token: str | None, verifier: str | None) -> dict[str, Any]:
        if not token or not verifier:
            raise CsrfFailed()
        try:
            signed = self.keys.verify(token)
        except (ValueError, KeyNotFound, BadSignature) as exc:
            raise CsrfFailed() from exc
        body = signed.claims
        if (
            signed.header.get("typ") != STATE_TYPE
            or body.get("aud") != self.callback_url
            or not isinstance(body.get("exp"), int)
            or body["exp"] <= self.clock()
            or body.get("idp") not in self.idps
            or not hmac.compare_digest(str(body.get("csrf")), csrf_hash(verifier))
        ):
            raise CsrfFailed()
        return body

    def _id_token(self, idp: ExternalIdp, code: str, verifier: str, nonce: str) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": self.callback_url,
            "client_id": idp.client_id,
        }
        if idp.client_secret:
            form["client_secret"] = idp.client_secret  # client_secret_post
        try:
            answer = self.http.post_form(self._endpoint(idp, "token_endpoint"), form)
        except Exception as exc:
            raise UpstreamFailed(f"đổi mã thất bại / code exchange failed: {exc}") from exc
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise UpstreamFailed("không có id_token / no id_token in the token response")
        try:
            signed = check_signature(id_token, ID_TOKEN_ALGORITHMS, lambda h: self._key(idp, h))
        except (ValueError, KeyNotFound, BadSignature) as exc:
            raise UpstreamFailed(f"id_token không hợp lệ / invalid id_token: {exc}") from exc
        claims, now = signed.claims, self.clock()
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        problems = [
            ("iss", claims.get("iss") != idp.issuer),
            ("aud", idp.client_id not in audiences),
            ("exp", not isinstance(claims.get("exp"), int) or claims["exp"] <= now),
            ("iat", not isinstance(claims.get("iat"), int) or claims["iat"] > now + CLOCK_SKEW),
            ("nonce", not hmac.compare_digest(str(claims.get("nonce")), nonce)),
        ]
        wrong = [name for name, bad in problems if bad]
        if wrong:
            raise UpstreamFailed(f"id_token sai / wrong id_token claims: {', '.join(wrong)}")
        return claims

    def _endpoint(self, idp: ExternalIdp, name: str) -> str:
        fetched = self._metadata.get(idp.name)
        if fetched is None or self.clock() - fetched[0] > METADATA_SECONDS:
            metadata = self.http.get_json(f"{idp.issuer}/.well-known/openid-configuration")
            fetched = (self.clock(), metadata)
            self._metadata[idp.name] = fetched
        url = fetched[1].get(name)
        if not isinstance(url, str):
            raise UpstreamFailed(f"{idp.name} không công bố / does not publish {name}")
        return url

    def _key(self, idp: ExternalIdp, header: dict[str, Any]) -> Any:
        kid = header.get("kid")
        for attempt in range(2):
            fetched = self._jwks.get(idp.name)
            stale = fetched is None or (attempt == 1 and self.clock() - fetched[0] > 10)
            if stale:
                try:
                    fetched = (
                        self.clock(),
                        KeySet.import_key_set(self.http.get_json(idp.jwks_url)),
                    )  # type: ignore[arg-type]
                except Exception as exc:  # unreachable, or not a JWKS
                    raise KeyNotFound(f"JWKS: {exc}") from exc
                self._jwks[idp.name] = fetched
            assert fetched is not None
            found = [k for k in fetched[1] if kid is None or k.kid == kid]
            if len(found) == 1:
                return found[0]
        raise KeyNotFound(str(kid))
