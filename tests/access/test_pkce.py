"""PKCE S256 (RFC 7636 Appendix B example)."""

from __future__ import annotations

from hoso.access.pkce import challenge_of, valid_challenge, verify_s256

RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_rfc_7636_example() -> None:
    assert challenge_of(RFC_VERIFIER) == RFC_CHALLENGE
    assert verify_s256(RFC_VERIFIER, RFC_CHALLENGE)


def test_mismatch_and_malformed_verifiers_fail() -> None:
    assert not verify_s256(RFC_VERIFIER[:-1] + "A", RFC_CHALLENGE)
    assert not verify_s256(None, RFC_CHALLENGE)
    assert not verify_s256("short", challenge_of("short"))  # under 43 characters
    assert not verify_s256(RFC_CHALLENGE, RFC_CHALLENGE)  # plain method: challenge as verifier


def test_challenge_shape() -> None:
    assert valid_challenge(RFC_CHALLENGE)
    assert not valid_challenge("plain-text-challenge")
    assert not valid_challenge(None)
