"""Verification tokens of downloaded documents (the health book's PDFs): compact JWS
signed by the server's own signing keys (`hoso.access.keys`), typed `hoso-doc+jwt` so
that no access token or id_token is ever taken for one, nor one for them.

A token verifies while the key that signed it is still published: `SigningKeys.verify`
accepts every key of the JWKS, the current signer and the retired ones still verifying.
Whatever the token is — truncated, tampered, another JWT, megabytes long — the answer
is the claims or None, never an exception: the verification page is public.
"""

from __future__ import annotations

from typing import Any

from joserfc.errors import JoseError

from hoso.access.keys import BadSignature, KeyNotFound, SigningKeys

__all__ = ["DOCUMENT_TOKEN_TYPE", "MAX_DOCUMENT_TOKEN_CHARS", "document_claims", "sign_document"]

DOCUMENT_TOKEN_TYPE = "hoso-doc+jwt"
# A document token is a few hundred characters; anything far longer is not one, and is
# refused before it is decoded.
MAX_DOCUMENT_TOKEN_CHARS = 2048


def sign_document(keys: SigningKeys, claims: dict[str, Any]) -> str:
    return keys.sign(claims, typ=DOCUMENT_TOKEN_TYPE)


def document_claims(keys: SigningKeys, token: str) -> dict[str, Any] | None:
    """The claims of a document token this server signed with a key it still publishes;
    None for anything else."""
    if len(token) > MAX_DOCUMENT_TOKEN_CHARS or not token.isascii():
        return None
    try:
        signed = keys.verify(token)
    except (ValueError, KeyNotFound, BadSignature, JoseError, TypeError, KeyError):
        return None
    if signed.header.get("typ") != DOCUMENT_TOKEN_TYPE:
        return None
    return signed.claims
