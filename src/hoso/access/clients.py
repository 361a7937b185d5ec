"""OAuth clients and their authentication at the token endpoint.

Facility systems authenticate with `private_key_jwt` (SMART Backend Services,
https://hl7.org/fhir/smart-app-launch/backend-services.html): a JWT signed by a key of
the JWKS registered for them, iss = sub = client_id, aud = our token endpoint, a
lifetime of at most five minutes and a jti used once. Apps that log people in are
public clients (PKCE, no secret) registered with exact redirect URIs.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from hoso.access.credential_store import ClientRecord, CredentialStore
from hoso.access.grant_scopes import parse_scopes
from hoso.access.keys import BadSignature, KeyNotFound, check_signature
from hoso.access.oauth_errors import OAuthError, invalid_client, invalid_request

__all__ = [
    "ASSERTION_ALGORITHMS",
    "ASSERTION_TYPE",
    "CONFIDENTIAL",
    "PEER",
    "PUBLIC",
    "SYSTEM",
    "Client",
    "ClientRegistry",
    "assertion_issuer",
    "public_jwks",
]

SYSTEM, PUBLIC, CONFIDENTIAL = "system", "public", "confidential"
# A peer record system (a province's Hồ Sơ sending to this national one): client
# credentials like a facility's system, with the record-system role and no facility.
PEER = "peer"
ACTIVE, DISABLED = "active", "disabled"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ("ES384", "RS384", "ES256", "RS256")  # SMART requires the first two
MAX_ASSERTION_SECONDS = 300
CLOCK_SKEW = 30


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    name: str
    kind: str
    facility: str | None
    scopes: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    jwks: dict[str, Any] | None
    active: bool


def _client(row: ClientRecord) -> Client:
    return Client(
        client_id=row.client_id,
        name=row.name,
        kind=row.kind,
        facility=row.facility,
        scopes=tuple(row.scopes.split()),
        redirect_uris=tuple((row.redirect_uris or "").split()),
        jwks=json.loads(row.jwks) if row.jwks else None,
        active=row.status == ACTIVE,
    )


def public_jwks(jwks: dict[str, Any]) -> dict[str, Any]:
    """Check a client's JWKS: signing public keys only, each with a kid. `ValueError`."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise ValueError('JWKS phải có "keys" / JWKS needs a non-empty "keys" array')
    for jwk in jwks["keys"]:
        if not isinstance(jwk, dict) or "d" in jwk or "p" in jwk:
            raise ValueError("JWKS chứa khóa bí mật / JWKS holds private key material")
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError) as exc:
        raise ValueError(f"JWKS không hợp lệ / Invalid JWKS: {exc}") from exc
    out = []
    for key in keys:
        key.ensure_kid()
        out.append(key.as_dict(private=False))
    return {"keys": out}


class ClientRegistry:
    def __init__(
        self,
        store: CredentialStore,
        *,
        token_endpoint: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.token_endpoint = token_endpoint
        self.clock = clock

    # -- registration ------------------------------------------------------------------
    def register_system(
        self,
        *,
        facility: str,
        scopes: str,
        jwks: dict[str, Any],
        name: str | None = None,
        client_id: str | None = None,
    ) -> Client:
        """A facility's system (client credentials with private_key_jwt)."""
        return self._register_keyed(
            client_id or f"cs-{facility.lower()}-{secrets.token_hex(4)}",
            name or f"Hệ thống cơ sở {facility}", SYSTEM, facility, scopes, jwks)

    def register_peer(self, *, name: str, scopes: str, jwks: dict[str, Any],
                      client_id: str | None = None) -> Client:  # fmt: skip
        """A peer record system (client credentials with private_key_jwt)."""
        return self._register_keyed(client_id or f"peer-{secrets.token_hex(6)}", name, PEER,
                                    None, scopes, jwks)  # fmt: skip

    def _register_keyed(self, client_id: str, name: str, kind: str, facility: str | None,
                        scopes: str, jwks: dict[str, Any]) -> Client:  # fmt: skip
        self.store.add_client(
            client_id=client_id,
            name=name,
            kind=kind,
            facility=facility,
            scopes=" ".join(parse_scopes(scopes)),
            jwks=json.dumps(public_jwks(jwks)),
            redirect_uris=None,
            status=ACTIVE,
            created=int(self.clock()),
        )
        return self.require(client_id)

    def register_public(
        self, *, client_id: str, name: str, redirect_uris: list[str], scopes: str
    ) -> Client:
        """An app that logs residents or staff in (authorization code + PKCE)."""
        if not redirect_uris:
            raise ValueError("Cần ít nhất một redirect URI / At least one redirect URI")
        self.store.add_client(
            client_id=client_id,
            name=name,
            kind=PUBLIC,
            facility=None,
            scopes=" ".join(parse_scopes(scopes)),
            jwks=None,
            redirect_uris=" ".join(redirect_uris),
            status=ACTIVE,
            created=int(self.clock()),
        )
        return self.require(client_id)

    def ensure_public(
        self, *, client_id: str, name: str, redirect_uris: list[str], scopes: str
    ) -> Client:
        """`register_public`, or the registered client with these redirect URIs (the
        server's own web login: its address is the deployment's base URL). Two processes
        starting at once may both try to register; the second finds the first's."""
        if self.get(client_id) is None:
            try:
                return self.register_public(client_id=client_id, name=name,
                                            redirect_uris=redirect_uris, scopes=scopes)  # fmt: skip
            except Exception:  # a concurrent registration (the store's own error type)
                if self.get(client_id) is None:
                    raise
        self.store.set_client_redirect_uris(client_id, " ".join(redirect_uris))
        return self.require(client_id)

    def get(self, client_id: str) -> Client | None:
        row = self.store.client(client_id)
        return _client(row) if row is not None else None

    def require(self, client_id: str) -> Client:
        client = self.get(client_id)
        if client is None:
            raise KeyError(client_id)
        return client

    def disable(self, client_id: str) -> bool:
        return self.store.set_client_status(client_id, DISABLED)

    # -- authentication ----------------------------------------------------------------
    def authenticate(
        self, *, client_id: str | None, assertion_type: str | None, assertion: str | None
    ) -> Client:
        """The client making a token or revocation request; `OAuthError` if it cannot
        prove who it is. A public client only names itself."""
        if assertion is None and assertion_type is None:
            client = self.get(client_id) if client_id else None
            if client is None or not client.active or client.kind != PUBLIC:
                raise invalid_client("Ứng dụng không xác thực được", "Client authentication failed")
            return client
        if assertion_type != ASSERTION_TYPE or not assertion:
            raise invalid_request(
                f"client_assertion_type phải là {ASSERTION_TYPE}",
                f"client_assertion_type must be {ASSERTION_TYPE}",
            )
        return self._verify_assertion(assertion, client_id)

    def _verify_assertion(self, assertion: str, client_id_param: str | None) -> Client:
        issuer = _unverified_issuer(assertion)
        client = self.get(issuer) if issuer else None
        if client is None or client.jwks is None:
            raise invalid_client("Ứng dụng không xác định", "Unknown client")
        if not client.active:
            raise invalid_client("Ứng dụng đã bị vô hiệu hóa", "Client is disabled")
        if client_id_param not in (None, client.client_id):
            raise invalid_client(
                "client_id khác iss của assertion", "client_id differs from the assertion's iss"
            )
        keys = KeySet.import_key_set(client.jwks)  # type: ignore[arg-type]
        try:
            signed = check_signature(assertion, ASSERTION_ALGORITHMS, lambda h: _pick(keys, h))
        except (KeyNotFound, BadSignature) as exc:
            raise invalid_client(
                "Chữ ký client_assertion không hợp lệ", "client_assertion signature is invalid"
            ) from exc
        except ValueError as exc:
            raise invalid_client(
                "client_assertion không đúng định dạng", "Malformed client_assertion"
            ) from exc
        self._check_claims(client, signed.claims)
        return client

    def _check_claims(self, client: Client, claims: dict[str, Any]) -> None:
        now = int(self.clock())
        exp, jti, aud = claims.get("exp"), claims.get("jti"), claims.get("aud")
        if claims.get("sub") != client.client_id:
            raise invalid_client("sub phải bằng client_id", "sub must equal the client_id")
        audiences = aud if isinstance(aud, list) else [aud]
        if self.token_endpoint not in audiences:
            raise invalid_client(
                "aud phải là địa chỉ token endpoint", "aud must be the token endpoint URL"
            )
        if not isinstance(exp, int) or exp <= now:
            raise invalid_client("client_assertion đã hết hạn", "client_assertion has expired")
        if exp > now + MAX_ASSERTION_SECONDS + CLOCK_SKEW:
            ahead = exp - now
            raise invalid_client(
                f"client_assertion hiệu lực quá {MAX_ASSERTION_SECONDS // 60} phút: exp cách "
                f"hiện tại {ahead} giây, tối đa {MAX_ASSERTION_SECONDS} giây; đặt exp ngắn hơn",
                f"client_assertion lifetime exceeds {MAX_ASSERTION_SECONDS // 60} minutes: exp "
                f"is {ahead} s ahead, the limit is {MAX_ASSERTION_SECONDS} s (SMART Backend "
                "Services); set a shorter exp (authlib: expires_in=300)",
            )
        if not isinstance(jti, str) or not 0 < len(jti) <= 255:
            raise invalid_client("client_assertion thiếu jti", "client_assertion lacks a jti")
        if not self.store.use_assertion_jti(client.client_id, jti, exp, now):
            raise invalid_client(
                "client_assertion đã được dùng (jti lặp lại)",
                "client_assertion was already used (replayed jti)",
            )


def assertion_issuer(assertion: str) -> str | None:
    """Who an assertion claims to come from, unverified: for the audit of a refusal."""
    try:
        return _unverified_issuer(assertion)
    except OAuthError:
        return None


def _unverified_issuer(assertion: str) -> str | None:
    """`iss` read before verification, only to find which keys to verify with."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise invalid_client("client_assertion không đúng định dạng", "Malformed client_assertion")
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError as exc:
        raise invalid_client(
            "client_assertion không đúng định dạng", "Malformed client_assertion"
        ) from exc
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    return issuer if isinstance(issuer, str) else None


def _pick(keys: KeySet, header: dict[str, Any]) -> Any:
    kid = header.get("kid")
    candidates = [k for k in keys if kid is None or k.kid == kid]
    if len(candidates) != 1:
        raise KeyNotFound(str(kid))
    return candidates[0]
