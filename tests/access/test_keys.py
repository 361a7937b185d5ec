"""Signing keys: sealed at rest, rotated without breaking tokens already issued."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from hoso.access import claims as roles
from hoso.access import sealing
from hoso.access.keys import SigningKeys
from hoso.access.sealing import Sealer, SealError, new_key_encryption_key
from hoso.access.tokens import TokenService
from hoso.core.errors import Unauthorized
from hoso.store import auth_schema
from hoso.store.auth_store import SqlAuthStore
from tests.builders.auth import Clock

FHIR = "https://hoso.example.vn/fhir"


def token_service(keys: SigningKeys, store: SqlAuthStore, clock: Clock) -> TokenService:
    return TokenService(keys, store, issuer="https://hoso.example.vn", audience=FHIR, clock=clock)


def stored_private_keys(store: SqlAuthStore) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(auth_schema.signing_key.c.private_key)).scalars())


def test_private_key_is_encrypted_with_the_key_encryption_key(
    credential_store: SqlAuthStore,
) -> None:
    kek = new_key_encryption_key()
    keys = SigningKeys(credential_store, Sealer(kek))
    keys.rotate()
    [stored] = stored_private_keys(credential_store)
    assert stored.startswith("fernet:")
    assert "PRIVATE KEY" not in stored
    # Another process with the same key opens it; without it, it refuses to start signing.
    assert SigningKeys(credential_store, Sealer(kek)).jwks()["keys"]
    with pytest.raises(SealError, match="HOSO_KEY_ENCRYPTION_KEY"):
        SigningKeys(credential_store, Sealer(None)).jwks()
    with pytest.raises(SealError, match="does not open"):
        SigningKeys(credential_store, Sealer(new_key_encryption_key())).jwks()


def test_key_encryption_key_rotation_keeps_old_secrets_readable() -> None:
    old, new = new_key_encryption_key(), new_key_encryption_key()
    sealed = Sealer(old).seal(b"secret")
    assert Sealer(f"{new},{old}").unseal(sealed) == b"secret"


def test_without_key_encryption_key_one_warning(
    credential_store: SqlAuthStore,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sealing, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="hoso.access.sealing"):
        SigningKeys(credential_store, Sealer(None)).rotate()
        Sealer(None)
    warnings = [r for r in caplog.records if r.name == "hoso.access.sealing"]
    assert len(warnings) == 1
    assert "unencrypted" in warnings[0].getMessage()
    [stored] = stored_private_keys(credential_store)
    assert stored.startswith("plain:")


def test_rotation_keeps_old_tokens_valid_until_they_expire(
    credential_store: SqlAuthStore,
) -> None:
    clock = Clock()
    keys = SigningKeys(
        credential_store, Sealer(None), max_token_seconds=300, reload_seconds=60, clock=clock
    )
    tokens = token_service(keys, credential_store, clock)
    old_token = tokens.issue(
        subject="s", role=roles.OPERATOR, scopes=(), client_id="c", lifetime_seconds=300
    )
    old_kid = keys.jwks()["keys"][0]["kid"]
    new_kid = keys.rotate()
    assert new_kid != old_kid
    assert [k["kid"] for k in keys.jwks()["keys"]] == [new_kid, old_kid]
    new_token = tokens.issue(subject="s", role=roles.OPERATOR, scopes=(), client_id="c")
    # A fresh process (no cache) verifies both.
    fresh = token_service(
        SigningKeys(credential_store, Sealer(None), clock=clock), credential_store, clock
    )
    assert fresh.verify(old_token, FHIR).subject == "s"
    assert fresh.verify(new_token, FHIR).subject == "s"
    # Once nothing the old key signed can still be valid, it is gone from the JWKS.
    clock.advance(300 + 60 + 2)
    keys.rotate()
    assert old_kid not in [k["kid"] for k in keys.jwks()["keys"]]
    with pytest.raises(Unauthorized, match="unknown key"):
        keys_now = SigningKeys(credential_store, Sealer(None), clock=clock)
        token_service(keys_now, credential_store, clock)._verify_signed(old_token, clock())


def test_public_jwks_holds_no_private_parts(credential_store: SqlAuthStore) -> None:
    for alg in ("ES256", "RS256"):
        keys = SigningKeys(credential_store, Sealer(None), alg=alg)
        keys.rotate()
        [active, *_] = keys.jwks()["keys"]
        assert active["alg"] == alg and active["use"] == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & active.keys()


def test_another_process_sees_a_rotation(credential_store: SqlAuthStore) -> None:
    clock = Clock()
    ours = SigningKeys(credential_store, Sealer(None), clock=clock)
    theirs = SigningKeys(credential_store, Sealer(None), clock=clock)
    ours.rotate()
    kid = theirs.rotate()
    token = token_service(theirs, credential_store, clock).issue(
        subject="s", role=roles.OPERATOR, scopes=(), client_id="c"
    )
    clock.advance(1)  # an unknown kid reloads the key set (at most once a second)
    assert token_service(ours, credential_store, clock).verify(token, FHIR).subject == "s"
    assert ours.verification_key(kid)
