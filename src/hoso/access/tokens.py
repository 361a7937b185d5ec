"""Access tokens: short-lived signed JWTs (RFC 9068 profile, `typ: at+jwt`).

`verify` runs on every API request, so a verified token is kept in a bounded
in-process cache until it expires, and revocation is checked against a set of revoked
token ids reloaded from the database every `revocation_refresh_seconds` (default 2 s,
in the background): a revocation takes effect at once in the process that made it and
on every other process within that delay (plus one database round trip).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hoso.access.claims import ROLES, AccessClaims
from hoso.access.credential_store import CredentialStore
from hoso.access.keys import BadSignature, KeyNotFound, SigningKeys
from hoso.core.errors import Unauthorized

__all__ = ["ACCESS_TOKEN_TYPE", "IssuedToken", "TokenService"]

ACCESS_TOKEN_TYPE = "at+jwt"
CLOCK_SKEW = 30  # seconds another process's clock may run ahead when it signs
log = logging.getLogger("hoso.access.tokens")


def _refuse(vi: str, en: str) -> Unauthorized:
    return Unauthorized(f"{vi} / {en}")


MALFORMED = ("Mã truy cập không đúng định dạng", "Malformed access token")
BAD_SIGNATURE = ("Chữ ký của mã truy cập không hợp lệ", "Access token signature is invalid")
UNKNOWN_KEY = (
    "Mã truy cập được ký bằng khóa không xác định (kid)",
    "Access token is signed by an unknown key (kid)",
)
EXPIRED = ("Mã truy cập đã hết hạn", "Access token has expired")
NOT_YET_VALID = ("Mã truy cập chưa có hiệu lực", "Access token is not yet valid")
WRONG_AUDIENCE = (
    "Mã truy cập không dành cho máy chủ này (aud)",
    "Access token audience is not this server",
)
WRONG_ISSUER = (
    "Mã truy cập không do máy chủ này cấp (iss)",
    "Access token was not issued by this server",
)
REVOKED = ("Mã truy cập đã bị thu hồi", "Access token has been revoked")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    claims: AccessClaims
    expires_in: int


@dataclass(frozen=True, slots=True)
class _Verified:
    claims: AccessClaims
    audience: str
    not_before: int


class TokenService:
    def __init__(
        self,
        keys: SigningKeys,
        store: CredentialStore,
        *,
        issuer: str,
        audience: str,
        lifetime_seconds: int = 300,
        revocation_refresh_seconds: float = 2.0,
        cache_size: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.store = store
        self.issuer = issuer
        self.audience = audience  # the FHIR base URL tokens are issued for by default
        self.lifetime_seconds = lifetime_seconds
        self.revocation_refresh_seconds = revocation_refresh_seconds
        self.cache_size = cache_size
        self.clock = clock
        self._cache: dict[str, _Verified] = {}
        self._revoked: frozenset[str] = frozenset()
        self._revoked_at = float("-inf")
        self._reload = threading.Lock()

    # -- issuing -----------------------------------------------------------------------
    def issue(
        self,
        *,
        subject: str,
        role: str,
        scopes: Iterable[str],
        client_id: str,
        facility: str | None = None,
        patient: str | None = None,
        fhir_user: str | None = None,
        audience: str | None = None,
        lifetime_seconds: int | None = None,
    ) -> str:
        """A signed access token carrying these claims."""
        return self.mint(
            subject=subject,
            role=role,
            scopes=scopes,
            client_id=client_id,
            facility=facility,
            patient=patient,
            fhir_user=fhir_user,
            audience=audience,
            lifetime_seconds=lifetime_seconds,
        ).token

    def mint(
        self,
        *,
        subject: str,
        role: str,
        scopes: Iterable[str],
        client_id: str,
        facility: str | None = None,
        patient: str | None = None,
        fhir_user: str | None = None,
        audience: str | None = None,
        lifetime_seconds: int | None = None,
    ) -> IssuedToken:
        """Like `issue`, also returning the claims (jti, exp) the caller records."""
        if role not in ROLES:
            raise ValueError(f"Vai trò không hợp lệ / Unknown role: {role}")
        now = int(self.clock())
        lifetime = self.lifetime_seconds if lifetime_seconds is None else lifetime_seconds
        claims = AccessClaims(
            subject=subject,
            role=role,
            scopes=tuple(dict.fromkeys(scopes)),
            client_id=client_id,
            token_id=uuid.uuid4().hex,
            expires_at=now + lifetime,
            facility=facility,
            patient=patient,
            fhir_user=fhir_user,
        )
        body: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience or self.audience,
            "exp": claims.expires_at,
            "iat": now,
            "nbf": now,
            "jti": claims.token_id,
            "scope": " ".join(claims.scopes),
            "role": role,
            "client_id": client_id,
        }
        for name, value in (("facility", facility), ("patient", patient), ("fhirUser", fhir_user)):
            if value is not None:
                body[name] = value
        return IssuedToken(self.keys.sign(body, typ=ACCESS_TOKEN_TYPE), claims, lifetime)

    # -- verifying ---------------------------------------------------------------------
    def verify(self, token: str, audience: str) -> AccessClaims:
        """The claims of a valid token for `audience`; `Unauthorized` says why not."""
        now = self.clock()
        verified = self._cache.get(token)
        if verified is None:
            verified = self._verify_signed(token, now)
        if verified.claims.expires_at <= now:
            self._cache.pop(token, None)
            raise _refuse(*EXPIRED)
        if verified.not_before > now + CLOCK_SKEW:
            raise _refuse(*NOT_YET_VALID)
        if verified.audience != audience:
            raise _refuse(*WRONG_AUDIENCE)
        if verified.claims.token_id in self._revoked_set(now):
            raise _refuse(*REVOKED)
        return verified.claims

    def revoke(self, token_id: str, expires_at: int) -> None:
        """Revoke one access token; every process refuses it within the refresh delay."""
        self.store.revoke_access_token(token_id, expires_at, int(self.clock()))
        self._revoked_at = float("-inf")  # this process at once

    def decode_for_revocation(self, token: str) -> AccessClaims | None:
        """The claims of a token this server signed, expired or not; None otherwise
        (RFC 7009: revoking an invalid token is not an error)."""
        try:
            signed = self.keys.verify(token)
            return _claims(signed.claims)
        except (ValueError, KeyNotFound, BadSignature, Unauthorized):
            return None

    def _verify_signed(self, token: str, now: float) -> _Verified:
        try:
            signed = self.keys.verify(token)
        except KeyNotFound as exc:
            raise _refuse(*UNKNOWN_KEY) from exc
        except BadSignature as exc:
            raise _refuse(*BAD_SIGNATURE) from exc
        except ValueError as exc:
            raise _refuse(*MALFORMED) from exc
        if signed.header.get("typ") != ACCESS_TOKEN_TYPE:
            raise _refuse(*MALFORMED)  # an id_token or another JWT we signed
        body = signed.claims
        if body.get("iss") != self.issuer:
            raise _refuse(*WRONG_ISSUER)
        audience = body.get("aud")
        not_before = body.get("nbf", body.get("iat"))
        if not isinstance(audience, str) or not isinstance(not_before, int):
            raise _refuse(*MALFORMED)
        verified = _Verified(_claims(body), audience, not_before)
        if verified.claims.expires_at > now:
            self._remember(token, verified, now)
        return verified

    def _remember(self, token: str, verified: _Verified, now: float) -> None:
        if len(self._cache) >= self.cache_size:
            live = {t: v for t, v in self._cache.items() if v.claims.expires_at > now}
            if len(live) >= self.cache_size:  # all live: drop the older half
                live = dict(list(live.items())[len(live) // 2 :])
            self._cache = live
        self._cache[token] = verified

    def _revoked_set(self, now: float) -> frozenset[str]:
        """The revoked ids, reloaded once `revocation_refresh_seconds` have passed. The
        reload runs beside the request (a database round trip is more than the whole
        verification budget), except when the set was never loaded, was invalidated by a
        revocation in this process, or is so old that reloads must be failing."""
        age = now - self._revoked_at
        if age < self.revocation_refresh_seconds or not self._reload.acquire(blocking=False):
            return self._revoked
        if age >= 10 * self.revocation_refresh_seconds:
            try:
                self._load_revocations(now)
            finally:
                self._reload.release()
        else:
            threading.Thread(
                target=self._reload_in_background, args=(now,), daemon=True, name="hoso-revocations"
            ).start()
        return self._revoked

    def _load_revocations(self, now: float) -> None:
        self._revoked = frozenset(self.store.revoked_token_ids(int(now)))
        self._revoked_at = now

    def _reload_in_background(self, now: float) -> None:
        try:
            self._load_revocations(now)
        except Exception:  # keep the last set; the next request retries
            log.warning(
                "không tải lại được danh sách thu hồi / revocation reload failed", exc_info=True
            )
        finally:
            self._reload.release()


def _claims(body: dict[str, Any]) -> AccessClaims:
    """AccessClaims from a signed body; `Unauthorized` (malformed) if a claim is missing."""
    try:
        scope, role = body["scope"], body["role"]
        fields = (body["sub"], body["client_id"], body["jti"])
        expires_at = body["exp"]
    except KeyError as exc:
        raise _refuse(*MALFORMED) from exc
    optional = [body.get(name) for name in ("facility", "patient", "fhirUser")]
    if (
        not all(isinstance(v, str) for v in (scope, role, *fields))
        or role not in ROLES
        or not isinstance(expires_at, int)
        or not all(v is None or isinstance(v, str) for v in optional)
    ):
        raise _refuse(*MALFORMED)
    return AccessClaims(
        subject=fields[0],
        role=role,
        scopes=tuple(scope.split()),
        client_id=fields[1],
        token_id=fields[2],
        expires_at=expires_at,
        facility=optional[0],
        patient=optional[1],
        fhir_user=optional[2],
    )
