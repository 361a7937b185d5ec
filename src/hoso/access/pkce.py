"""PKCE (RFC 7636) with the S256 method only: `plain` lets whoever sees the authorization
request redeem the code, so it is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

__all__ = ["challenge_of", "new_verifier", "valid_challenge", "verify_s256"]

_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")  # base64url of 32 bytes, unpadded


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_verifier() -> str:
    return secrets.token_urlsafe(48)


def valid_challenge(challenge: str | None) -> bool:
    return challenge is not None and _CHALLENGE.fullmatch(challenge) is not None


def verify_s256(verifier: str | None, challenge: str) -> bool:
    if verifier is None or not _VERIFIER.fullmatch(verifier):
        return False
    return hmac.compare_digest(challenge_of(verifier), challenge)
