"""Document verification tokens (the health book's PDFs): signed by the server's keys,
confirmed while the signing key is still published — after a rotation too — and
nothing else is ever taken for one."""

from __future__ import annotations

from hoso.access import claims as roles
from hoso.access.document_tokens import MAX_DOCUMENT_TOKEN_CHARS, document_claims, sign_document
from hoso.access.keys import SigningKeys
from hoso.access.sealing import Sealer
from hoso.access.tokens import TokenService
from hoso.store.auth_store import SqlAuthStore
from tests.builders.auth import Clock

CLAIMS = {"hash": "ab" * 32, "kind": "book", "sections": ["allergies"], "iat": 1,
          "facility": None, "sub": "Patient/•••abcd"}  # fmt: skip


def _keys(store: SqlAuthStore, clock: Clock) -> SigningKeys:
    return SigningKeys(store, Sealer(None), max_token_seconds=300, reload_seconds=60,
                       clock=clock)  # fmt: skip


def test_a_token_verifies_while_its_key_is_published(credential_store: SqlAuthStore) -> None:
    clock = Clock()
    keys = _keys(credential_store, clock)
    token = sign_document(keys, CLAIMS)
    assert document_claims(keys, token) == CLAIMS
    old_kid = keys.jwks()["keys"][0]["kid"]
    keys.rotate()  # the old key is retired but still in the JWKS
    assert old_kid in [k["kid"] for k in keys.jwks()["keys"]]
    assert document_claims(_keys(credential_store, clock), token) == CLAIMS  # another process
    clock.advance(300 + 60 + 2)
    keys.rotate()  # now the old key is gone: the page can no longer confirm the document
    assert old_kid not in [k["kid"] for k in keys.jwks()["keys"]]
    assert document_claims(_keys(credential_store, clock), token) is None


def test_nothing_else_passes_for_a_document_token(credential_store: SqlAuthStore) -> None:
    clock = Clock()
    keys = _keys(credential_store, clock)
    access = TokenService(keys, credential_store, issuer="https://hoso.example.vn",
                          audience="https://hoso.example.vn/fhir", clock=clock).issue(
        subject="s", role=roles.RESIDENT, scopes=(), client_id="c")  # fmt: skip
    token = sign_document(keys, CLAIMS)
    head, body, signature = token.split(".")
    for bad in (access, keys.sign(CLAIMS, typ="JWT"), f"{head}.{body}.{signature[::-1]}",
                f"{head}.{access.split('.')[1]}.{signature}", token[:-5], "", "x", "a.b.c",
                "ơ.ơ.ơ", token + "A" * MAX_DOCUMENT_TOKEN_CHARS):  # fmt: skip
        assert document_claims(keys, bad) is None, bad[:40]
