"""Access tokens: issued claims round-trip, and each refusal names its reason."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace

import pytest
from joserfc import jwt

from hoso.access import claims as roles
from hoso.access.auth_services import AuthServices, build_auth
from hoso.access.keys import SigningKeys
from hoso.access.sealing import Sealer
from hoso.access.tokens import TokenService
from hoso.core.errors import Unauthorized
from hoso.core.settings import Settings
from hoso.store.auth_store import SqlAuthStore
from tests.builders.auth import AuditRecorder, Clock, facility_key

FHIR = "https://hoso.example.vn/fhir"


def resident_token(auth: AuthServices, **overrides: object) -> str:
    values: dict = {
        "subject": "account:acc-1",
        "role": roles.RESIDENT,
        "scopes": ("patient/*.rs",),
        "client_id": "so-suc-khoe",
        "patient": "bn-1",
        "fhir_user": "Patient/bn-1",
    }
    return auth.tokens.issue(**(values | overrides))


def refusal(auth: AuthServices, token: str, audience: str = FHIR) -> str:
    with pytest.raises(Unauthorized) as caught:
        auth.tokens.verify(token, audience)
    return caught.value.message


def test_verified_claims_are_the_issued_ones(auth: AuthServices, auth_clock: Clock) -> None:
    token = resident_token(auth)
    claims = auth.tokens.verify(token, FHIR)
    assert claims.subject == "account:acc-1"
    assert claims.role == roles.RESIDENT
    assert claims.scopes == ("patient/*.rs",)
    assert claims.client_id == "so-suc-khoe"
    assert claims.patient == "bn-1"
    assert claims.fhir_user == "Patient/bn-1"
    assert claims.facility is None
    assert claims.expires_at == int(auth_clock()) + 300
    body = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert body["iss"] == "https://hoso.example.vn"
    assert body["aud"] == FHIR
    assert body["scope"] == "patient/*.rs"
    assert {"iat", "exp", "jti", "role", "client_id", "fhirUser", "patient"} <= body.keys()


def test_facility_claim_travels(auth: AuthServices) -> None:
    token = auth.tokens.issue(
        subject="client:cs-1",
        role=roles.FACILITY_SYSTEM,
        scopes=("system/*.rs",),
        client_id="cs-1",
        facility="79001",
    )
    assert auth.tokens.verify(token, FHIR).facility == "79001"


def test_malformed_token(auth: AuthServices) -> None:
    assert "Malformed access token" in refusal(auth, "not-a-jwt")
    assert "không đúng định dạng" in refusal(auth, "a.b.c")


def test_tampered_payload_fails_the_signature(auth: AuthServices) -> None:
    header, payload, signature = resident_token(auth).split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=="))
    body["patient"] = "bn-2"  # someone else's record
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    message = refusal(auth, f"{header}.{forged}.{signature}")
    assert "signature is invalid" in message
    assert message.startswith("Chữ ký")


def test_token_from_another_key_is_unknown(auth: AuthServices) -> None:
    stranger = facility_key("P-256")
    token = jwt.encode(
        {"alg": "ES256", "kid": stranger.kid, "typ": "at+jwt"},
        {"iss": auth.urls.issuer, "aud": FHIR},
        stranger,
    )
    assert "unknown key (kid)" in refusal(auth, token)


def test_expired_token(auth: AuthServices, auth_clock: Clock) -> None:
    token = resident_token(auth)
    auth.tokens.verify(token, FHIR)  # cached now: expiry must still apply
    auth_clock.advance(301)
    assert "has expired" in refusal(auth, token)


def test_token_from_the_future_is_not_yet_valid(auth: AuthServices, auth_clock: Clock) -> None:
    auth_clock.advance(120)  # another process whose clock runs two minutes ahead
    token = resident_token(auth)
    auth_clock.advance(-120)
    assert "not yet valid" in refusal(auth, token)


def test_wrong_audience(auth: AuthServices) -> None:
    token = resident_token(auth)
    assert "audience" in refusal(auth, token, "https://other.example.vn/fhir")
    cached_then_wrong = resident_token(auth)
    auth.tokens.verify(cached_then_wrong, FHIR)
    assert "audience" in refusal(auth, cached_then_wrong, "https://other.example.vn/fhir")


def test_wrong_issuer(
    auth: AuthServices,
    credential_store: SqlAuthStore,
    auth_settings: Settings,
    audit_recorder: AuditRecorder,
) -> None:
    # Same database and keys, different issuer: a sibling deployment sharing keys.
    other = build_auth(
        credential_store,
        replace(auth_settings, public_base_url="https://gia-mao.example.vn"),
        audit_recorder,
    )
    token = other.tokens.issue(
        subject="x", role=roles.OPERATOR, scopes=(), client_id="c", audience=FHIR
    )
    assert "not issued by this server" in refusal(auth, token)


def test_id_token_is_not_an_access_token(auth: AuthServices) -> None:
    id_token = auth.keys.sign({"iss": auth.urls.issuer, "aud": FHIR, "sub": "x"}, typ="JWT")
    assert "Malformed" in refusal(auth, id_token)


def test_revoked_token_is_refused_by_every_process_within_the_delay(
    auth: AuthServices,
    credential_store: SqlAuthStore,
    auth_settings: Settings,
    audit_recorder: AuditRecorder,
    auth_clock: Clock,
) -> None:
    other_process = build_auth(credential_store, auth_settings, audit_recorder, clock=auth_clock)
    token = resident_token(auth)
    claims = other_process.tokens.verify(token, FHIR)  # loads the (empty) revocation set
    auth.tokens.revoke(claims.token_id, claims.expires_at)
    assert "has been revoked" in refusal(auth, token)  # this process: at once
    assert other_process.tokens.verify(token, FHIR) == claims  # not reloaded yet
    auth_clock.advance(auth_settings.revocation_refresh_seconds)
    assert (
        refused_soon(other_process, token) == "Mã truy cập đã bị thu hồi / "
        "Access token has been revoked"
    )


def refused_soon(auth: AuthServices, token: str) -> str:
    """The refusal once the background reload this verification starts has finished."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            auth.tokens.verify(token, FHIR)
        except Unauthorized as exc:
            return exc.message
        time.sleep(0.01)
    raise AssertionError("still accepted 5 s after the refresh delay")


def test_a_stale_revocation_set_is_reloaded_before_answering(
    auth: AuthServices,
    credential_store: SqlAuthStore,
    auth_settings: Settings,
    audit_recorder: AuditRecorder,
    auth_clock: Clock,
) -> None:
    other_process = build_auth(credential_store, auth_settings, audit_recorder, clock=auth_clock)
    token = resident_token(auth)
    claims = other_process.tokens.verify(token, FHIR)
    auth.tokens.revoke(claims.token_id, claims.expires_at)
    auth_clock.advance(10 * auth_settings.revocation_refresh_seconds)  # reloads kept failing
    assert "revoked" in refusal(other_process, token)


def test_unknown_role_is_not_issued(auth: AuthServices) -> None:
    with pytest.raises(ValueError, match="Unknown role"):
        auth.tokens.issue(subject="x", role="superuser", scopes=(), client_id="c")


def test_cache_stays_bounded(credential_store: SqlAuthStore, auth_clock: Clock) -> None:
    keys = SigningKeys(credential_store, Sealer(None), clock=auth_clock)
    tokens = TokenService(
        keys, credential_store, issuer="https://i", audience=FHIR, cache_size=10, clock=auth_clock
    )
    issued = [
        tokens.issue(subject=f"s{i}", role=roles.OPERATOR, scopes=(), client_id="c")
        for i in range(25)
    ]
    for token in issued:
        tokens.verify(token, FHIR)
    assert len(tokens._cache) <= 10
    assert tokens.verify(issued[0], FHIR).subject == "s0"  # evicted ones verify again


def test_revocations_of_expired_tokens_are_dropped(
    auth: AuthServices, credential_store: SqlAuthStore, auth_clock: Clock
) -> None:
    import sqlalchemy as sa

    from hoso.store import auth_schema

    first = auth.tokens.verify(resident_token(auth), FHIR)
    auth.tokens.revoke(first.token_id, first.expires_at)
    auth_clock.advance(301)  # the first token has expired anyway
    second = auth.tokens.verify(resident_token(auth), FHIR)
    auth.tokens.revoke(second.token_id, second.expires_at)
    with credential_store.engine.connect() as conn:
        kept = conn.execute(sa.select(auth_schema.revoked_token.c.jti)).scalars().all()
    assert kept == [second.token_id]
