"""Token-signing keys kept in the database: one signs, older ones still verify.

`rotate()` makes a new key the signer; the previous one keeps verifying until every
token it may have signed has expired (`max_token_seconds` after retirement, plus the
cache interval during which another process may still sign with it), then it is
dropped from the JWKS and deleted. Private keys are sealed (see `sealing`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from hoso.access.credential_store import CredentialStore, SigningKeyRecord
from hoso.access.sealing import Sealer

__all__ = [
    "ALGORITHMS",
    "BadSignature",
    "KeyNotFound",
    "SignedJwt",
    "SigningKeys",
    "check_signature",
    "key_alg",
]

ALGORITHMS = ("ES256", "RS256")
Key = ECKey | RSAKey


class KeyNotFound(Exception):
    """No key with this kid verifies any more (unknown, or retired past its end)."""


class BadSignature(Exception):
    """The signature does not match the header and payload under the named key."""


@dataclass(frozen=True, slots=True)
class SignedJwt:
    """A JWT whose signature checked out; its claims still need checking."""

    header: dict[str, Any]
    claims: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Loaded:
    key: Key
    verify_until: int | None


def _generate(alg: str) -> Key:
    if alg == "ES256":
        return ECKey.generate_key("P-256", auto_kid=True)
    if alg == "RS256":
        return RSAKey.generate_key(2048, auto_kid=True)
    raise ValueError(f"Thuật toán ký không hỗ trợ / Unsupported signing algorithm: {alg}")


class SigningKeys:
    def __init__(
        self,
        store: CredentialStore,
        sealer: Sealer,
        *,
        alg: str = "ES256",
        max_token_seconds: int = 600,
        reload_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if alg not in ALGORITHMS:
            raise ValueError(f"Thuật toán ký không hỗ trợ / Unsupported signing algorithm: {alg}")
        self.store = store
        self.sealer = sealer
        self.alg = alg
        self.max_token_seconds = max_token_seconds
        self.reload_seconds = reload_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, _Loaded] = {}
        self._active: tuple[str, Key] | None = None
        self._public: list[dict[str, Any]] = []
        self._loaded_at = float("-inf")

    # -- signing -----------------------------------------------------------------------
    def sign(self, claims: dict[str, Any], *, typ: str) -> str:
        kid, key = self._signer()
        header = {"alg": key_alg(key), "kid": kid, "typ": typ}
        payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False)
        return jws.serialize_compact(header, payload, key, registry=_REGISTRIES[header["alg"]])

    def verify(self, token: str) -> SignedJwt:
        """Check the signature only. Raises `KeyNotFound`, `BadSignature` or `ValueError`."""
        return check_signature(token, ALGORITHMS, self._key_for)

    def _key_for(self, header: dict[str, Any]) -> Key:
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise KeyNotFound("")
        key = self.verification_key(kid)
        if key_alg(key) != header.get("alg"):
            raise KeyNotFound(kid)
        return key

    def verification_key(self, kid: str) -> Key:
        now = int(self.clock())
        loaded = self._keys.get(kid)
        if loaded is None and self._stale(1.0):
            self._load()  # a key another process just made
            loaded = self._keys.get(kid)
        if loaded is None or (loaded.verify_until is not None and loaded.verify_until <= now):
            raise KeyNotFound(kid)
        return loaded.key

    # -- publishing and rotation -------------------------------------------------------
    def jwks(self) -> dict[str, Any]:
        """Public keys of every key that still verifies (https://www.rfc-editor.org/rfc/rfc7517)."""
        self._signer()
        return {"keys": list(self._public)}

    def rotate(self) -> str:
        """Make a new signing key; returns its kid."""
        now = int(self.clock())
        key = _generate(self.alg)
        public = {**key.as_dict(private=False), "alg": self.alg, "use": "sig"}
        self.store.add_signing_key(
            kid=key.kid or "",
            alg=self.alg,
            public_jwk=json.dumps(public),
            private_key=self.sealer.seal(key.as_pem(private=True)),
            now=now,
            retired_verify_until=now + self.max_token_seconds + int(self.reload_seconds) + 1,
        )
        self._load()
        return key.kid or ""

    # -- cache -------------------------------------------------------------------------
    def _signer(self) -> tuple[str, Key]:
        if self._active is None or self._stale(self.reload_seconds):
            self._load()
        if self._active is None:
            self.rotate()  # first start: no key yet
        assert self._active is not None
        return self._active

    def _stale(self, seconds: float) -> bool:
        return self.clock() - self._loaded_at >= seconds

    def _load(self) -> None:
        with self._lock:
            rows: list[SigningKeyRecord] = self.store.signing_keys(int(self.clock()))
            keys: dict[str, _Loaded] = {}
            active: tuple[str, Key] | None = None
            for row in rows:
                known = self._keys.get(row.kid)
                key = known.key if known else _import(self.sealer, row)
                keys[row.kid] = _Loaded(key, row.verify_until)
                if row.retired is None and active is None:
                    active = (row.kid, key)
            self._keys = keys
            self._active = active
            self._public = [json.loads(row.public_jwk) for row in rows]
            self._loaded_at = self.clock()


def _import(sealer: Sealer, row: SigningKeyRecord) -> Key:
    pem = sealer.unseal(row.private_key)
    key: Key = ECKey.import_key(pem) if row.alg == "ES256" else RSAKey.import_key(pem)
    key.ensure_kid()
    if key.kid != row.kid:  # the kid is the RFC 7638 thumbprint: a swapped row shows
        raise ValueError(f"Khóa {row.kid} không khớp kid / key does not match its kid")
    return key


def key_alg(key: Key) -> str:
    return "ES256" if isinstance(key, ECKey) else "RS256"


# One registry per algorithm, built once: verification is on every API request.
_REGISTRIES = {
    alg: jws.JWSRegistry(algorithms=[alg]) for alg in ("ES256", "ES384", "RS256", "RS384")
}


def check_signature(
    token: str, algorithms: tuple[str, ...], find_key: Callable[[dict[str, Any]], Any]
) -> SignedJwt:
    """Verify a compact JWS signed with one of `algorithms` by the key `find_key` picks
    from its header; the claims are returned unchecked.

    Raises `ValueError` (malformed), `KeyNotFound` or `BadSignature`.
    """
    try:
        compact = jws.extract_compact(token.encode("ascii"))
    except (JoseError, UnicodeError, ValueError) as exc:
        raise ValueError("malformed JWS") from exc
    header = compact.headers()
    alg = header.get("alg")
    if alg not in algorithms:
        raise ValueError(f"algorithm {alg!r} not accepted")
    key = find_key(header)
    try:
        valid = jws.validate_compact(compact, key, registry=_REGISTRIES[alg])
    except JoseError as exc:
        raise BadSignature(str(exc)) from exc
    if not valid:
        raise BadSignature("signature mismatch")
    try:
        claims = json.loads(compact.payload)
    except ValueError as exc:
        raise ValueError("payload is not JSON") from exc
    if not isinstance(claims, dict):
        raise ValueError("claims must be a JSON object")
    return SignedJwt(header, claims)
